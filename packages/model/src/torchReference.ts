import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import type { TrainConfig } from '@anet/contracts';

/** One PyTorch training step pair, timed by the reference script (milliseconds). */
export interface TorchStepTimes {
  criticMs: number;
  generatorMs: number;
}

export interface TorchReference {
  /** torch version and the intra-op threads it runs with. */
  torch: string;
  threads: number;
  step(): Promise<TorchStepTimes>;
  close(): Promise<void>;
}

/**
 * Starts the PyTorch twin of a training step (the script speaks a JSON line protocol, `--serve`) for
 * the networks and batch of `cfg` at size² pixels, so that a caller can interleave its own steps with
 * PyTorch's in one process tree. Resolves undefined when the python or its torch is missing.
 */
export async function openTorchReference(
  script: string,
  cfg: TrainConfig,
  size: number,
  opts: { python?: string; threads?: number } = {},
): Promise<TorchReference | undefined> {
  const python = opts.python ?? '/usr/bin/python3';
  if (!existsSync(python) || !existsSync(script)) return undefined;
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn(python, [script, '--serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
  } catch {
    return undefined;
  }
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const lines: Interface = createInterface({ input: child.stdout });
  const waiting: Array<(line: string | undefined) => void> = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const ended = new Promise<void>((resolve) => child.on('close', () => resolve()));
  void ended.then(() => {
    for (const w of waiting.splice(0)) w(undefined);
  });
  child.on('error', () => undefined); // a spawn failure ends as 'close' with no reply
  const ask = (msg: object): Promise<Record<string, unknown> | undefined> =>
    new Promise((resolve) => {
      waiting.push((line) => {
        if (line === undefined) return resolve(undefined);
        try {
          resolve(JSON.parse(line) as Record<string, unknown>);
        } catch {
          resolve(undefined);
        }
      });
      child.stdin.write(`${JSON.stringify(msg)}\n`);
    });
  const close = async () => {
    child.stdin.end();
    await ended;
  };
  const init = await ask({
    cmd: 'init',
    size,
    batch: cfg.batch,
    base: cfg.generator.base,
    levels: cfg.generator.levels,
    critic: `${cfg.critic.widths.join(',')}:${cfg.critic.convsPerStage.join(',')}`,
    conditional: cfg.critic.conditional,
    l1: cfg.l1Weight,
    threads: opts.threads ?? 2,
  });
  if (!init?.ok) {
    await close();
    // No torch (ModuleNotFoundError) is the expected miss; anything else is worth a line.
    if (!/No module named 'torch'/.test(stderr) && stderr)
      process.stderr.write(`anet bench: PyTorch reference failed: ${stderr.trim().split('\n').pop()}\n`);
    return undefined;
  }
  return {
    torch: String(init.torch),
    threads: Number(init.threads),
    async step() {
      const r = await ask({ cmd: 'step' });
      if (!r || typeof r.critic_ms !== 'number' || typeof r.generator_ms !== 'number')
        throw new Error(
          `PyTorch reference step failed: ${String(r?.error ?? stderr.trim().split('\n').pop())}`,
        );
      return { criticMs: r.critic_ms, generatorMs: r.generator_ms };
    },
    close,
  };
}
