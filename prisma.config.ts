// Prisma 7 reads the datasource URL from here, not from schema.prisma. Plain object (no
// `prisma/config` import): the CLI lives in packages/db, so the root cannot resolve it.
export default {
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/anet' },
};
