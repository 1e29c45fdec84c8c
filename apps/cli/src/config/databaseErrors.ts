import { AnetError } from '@anet/contracts';
import { UsageError } from '../output/UsageError';

/**
 * The admin commands talk to PostgreSQL directly; turn its connection failures into the CLI's
 * documented exit codes instead of a Prisma stack: an unreachable server is exit 6 (like an unreachable
 * API), a database that does not exist is a configuration mistake, exit 2.
 */
export function databaseError(err: unknown, url: string): unknown {
  const e = err as { errorCode?: string; code?: string; message?: string; cause?: { code?: string } };
  const code = e?.errorCode ?? e?.code ?? e?.cause?.code;
  const message = String(e?.message ?? '');
  const where = describeUrl(url);
  if (code === 'P1003' || code === '3D000' || /database .* does not exist/i.test(message)) {
    return new UsageError(
      `database ${where.database} does not exist on ${where.server}: create it and its tables with \`DATABASE_URL=… npm run db:migrate\`, or fix DATABASE_URL / --database-url`,
    );
  }
  if (
    code === 'P1001' ||
    code === 'P1002' ||
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'ETIMEDOUT' ||
    /can't reach database server|ECONNREFUSED/i.test(message)
  ) {
    return new AnetError(
      'DEPENDENCY_UNAVAILABLE',
      `cannot reach PostgreSQL at ${where.server}: is it running (\`npm run services\` starts a local one) and is DATABASE_URL right?`,
    );
  }
  return err;
}

function describeUrl(url: string): { server: string; database: string } {
  try {
    const u = new URL(url);
    return { server: `${u.hostname}:${u.port || '5432'}`, database: `"${u.pathname.replace(/^\//, '') || '(none)'}"` };
  } catch {
    return { server: '(unparseable DATABASE_URL)', database: '(unknown)' };
  }
}
