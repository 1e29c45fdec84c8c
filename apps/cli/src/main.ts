import { Command, CommanderError } from 'commander';
import { AnetError, isInputError } from '@anet/contracts';
import { EXIT } from './exitCodes';

/** Each command module adds itself to the program; keep this list the only wiring. */
const commandModules: Array<() => Promise<{ register: (program: Command) => void }>> = [
  () => import('./commands/bench'),
  () => import('./commands/analyze'),
  () => import('./commands/evaluate'),
  () => import('./commands/submit'),
  () => import('./commands/status'),
  () => import('./commands/watch'),
  () => import('./commands/fetch'),
  () => import('./commands/cancel'),
  () => import('./commands/list'),
  () => import('./commands/batch'),
  () => import('./commands/keys'),
  () => import('./commands/info'),
  () => import('./commands/view'),
];

export function buildProgram(): Command {
  const program = new Command('anet')
    .description('anet — per-patient WGAN change detection for glioblastoma follow-up MRI (research software, not a medical device)')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  for (const load of commandModules) (await load()).register(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    const e = AnetError.from(err);
    process.stderr.write(`error ${e.code}: ${e.message}\n`);
    return isInputError(e.code) ? EXIT.INPUT : EXIT.INTERNAL;
  }
}
