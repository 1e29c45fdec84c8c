import { Command, CommanderError } from 'commander';
import { EXIT } from './exitCodes';

interface CommandEntry {
  /** One line for `anet --help`; the module gives the full description and options. */
  summary: string;
  load: () => Promise<{ register: (program: Command) => void }>;
}

/**
 * Each command module adds itself to the program; keep this table the only wiring. Only the module of
 * the command being run is imported (some pull in tfjs, elastix or Prisma): `anet --help` and
 * `anet --version` load none of them.
 */
const COMMANDS: Record<string, CommandEntry> = {
  analyze: {
    summary: 'run the whole pipeline on one pair in this process (no servers)',
    load: () => import('./commands/analyze'),
  },
  evaluate: {
    summary: 'score a cohort of pairs with ground-truth masks (AUC, RANO agreement)',
    load: () => import('./commands/evaluate'),
  },
  bench: { summary: 'time critic and generator training steps', load: () => import('./commands/bench') },
  submit: {
    summary: 'upload a study pair to the API and print the job',
    load: () => import('./commands/submit'),
  },
  status: { summary: 'show a job once', load: () => import('./commands/status') },
  watch: { summary: 'follow a job until it ends', load: () => import('./commands/watch') },
  fetch: { summary: 'download the artifacts of a finished job', load: () => import('./commands/fetch') },
  cancel: { summary: 'cancel a job', load: () => import('./commands/cancel') },
  list: { summary: 'list your jobs, newest first', load: () => import('./commands/list') },
  batch: {
    summary: 'submit a manifest of pairs and collect the results',
    load: () => import('./commands/batch'),
  },
  keys: {
    summary: 'manage API keys (admin; uses DATABASE_URL directly)',
    load: () => import('./commands/keys'),
  },
  info: { summary: 'print a NIfTI file header summary', load: () => import('./commands/info') },
  view: {
    summary: 'open the browser viewer for a job (a signed link) or a local result folder',
    load: () => import('./commands/view'),
  },
};

/** The command argv asks for (`anet X …` or `anet help X`), if it is one of ours. */
export function requestedCommand(argv: string[]): string | undefined {
  const [first, second] = argv.slice(2);
  const name = first === 'help' ? second : first;
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? name : undefined;
}

export function buildProgram(): Command {
  const program = new Command('anet')
    .description(
      'anet — per-patient WGAN change detection for glioblastoma follow-up MRI (research software, not a medical device)',
    )
    .version('0.1.0')
    .exitOverride()
    // the error stays the last line a user sees; the full help is one flag away
    .showHelpAfterError('(add --help to see the options)');
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const wanted = requestedCommand(argv);
  for (const [name, entry] of Object.entries(COMMANDS)) {
    if (name === wanted) (await entry.load()).register(program);
    else program.command(name).description(entry.summary);
  }
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    const { AnetError, isInputError } = await import('@anet/contracts');
    const e = AnetError.from(err);
    process.stderr.write(`error ${e.code}: ${e.message}\n`);
    return isInputError(e.code) ? EXIT.INPUT : EXIT.INTERNAL;
  }
}
