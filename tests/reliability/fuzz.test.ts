// Property-based fuzz (fast-check) of the input surfaces a client controls: NIfTI bytes (reader,
// one-shot validator, streaming validator), the `options` JSON of POST /v1/jobs and the train-config
// resolver. The property is the same everywhere: it returns, or throws AnetError (or a ZodError for
// the schema itself) — never another exception, never a hang, never an unhandled rejection.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import {
  AnetError,
  JobOptionsSchema,
  PROFILES,
  resolveTrainConfig,
  type TrainConfigOverrides,
} from '@anet/contracts';
import { createNiftiValidator, encodeRawNifti, encodeValues, readNifti, validateNifti } from '@anet/nifti';

const RUNS = 300;
/** Each single case must finish well inside this (the files are ≤ a few KiB; a hang shows as a timeout). */
const CASE_BUDGET_MS = 2_000;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** A small valid float32 NIfTI-1 (6×5×4) to mutate: the header is where the parser's branches are. */
const VALID = encodeRawNifti({
  datatypeCode: 16,
  dim: [3, 6, 5, 4, 1, 1, 1, 1],
  pixdim: [1, 1, 1.5, 2, 1, 1, 1, 1],
  qformCode: 1,
  sformCode: 1,
  srow: [1, 0, 0, -3, 0, 1.5, 0, -4, 0, 0, 2, -4],
  data: encodeValues(
    Array.from({ length: 120 }, (_, i) => i * 0.5),
    16,
  ),
});

function expectAnetOrOk(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof AnetError)) throw new Error(`non-AnetError thrown: ${String(err)}`, { cause: err });
    expect(err.code).toMatch(/^NIFTI_/);
  }
}

async function withBudget<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} hung for ${CASE_BUDGET_MS} ms`)), CASE_BUDGET_MS);
  });
  try {
    return await Promise.race([p, budget]);
  } finally {
    clearTimeout(timer);
  }
}

/** Feeds `bytes` to the streaming validator in the given chunk sizes; AnetError or a summary. */
async function streamValidate(bytes: Uint8Array, chunkSizes: number[]): Promise<void> {
  const v = createNiftiValidator({ maxDecompressedBytes: 4 * 1024 * 1024 });
  try {
    let at = 0;
    let i = 0;
    while (at < bytes.length) {
      const n = Math.max(1, chunkSizes[i++ % chunkSizes.length]);
      await v.push(bytes.subarray(at, at + n));
      at += n;
    }
    await v.finish();
  } catch (err) {
    if (!(err instanceof AnetError))
      throw new Error(`non-AnetError from validator: ${String(err)}`, { cause: err });
    expect(err.code).toMatch(/^NIFTI_/);
  }
}

/** A mutation of the valid header: overwrite 1–8 header bytes (or typed fields), maybe truncate, maybe gzip. */
const mutatedNifti = fc
  .record({
    writes: fc.array(fc.record({ at: fc.nat({ max: 347 }), byte: fc.nat({ max: 255 }) }), {
      minLength: 1,
      maxLength: 8,
    }),
    field: fc.option(
      fc.record({
        // dim[0..7], datatype, bitpix, pixdim[0..3], vox_offset, scl_slope, sform/qform codes.
        at: fc.constantFrom(40, 42, 44, 46, 48, 70, 72, 76, 80, 84, 88, 108, 112, 252, 254),
        value: fc.oneof(
          fc.integer({ min: -32768, max: 32767 }),
          fc.constantFrom(0, -1, 1, 4, 7, 32767, 65535),
        ),
        asFloat: fc.boolean(),
      }),
      { nil: undefined },
    ),
    cut: fc.option(fc.nat({ max: VALID.length }), { nil: undefined }),
    gzip: fc.boolean(),
  })
  .map(({ writes, field, cut, gzip }) => {
    const b = VALID.slice();
    const view = new DataView(b.buffer);
    for (const w of writes) b[w.at] = w.byte;
    if (field) {
      if (field.asFloat) view.setFloat32(field.at, field.value, true);
      else view.setInt16(field.at, field.value, true);
    }
    const cutBytes = cut === undefined ? b : b.subarray(0, cut);
    return gzip ? new Uint8Array(gzipSync(cutBytes)) : cutBytes;
  });

describe('fuzz: NIfTI reader and validators', () => {
  it(`readNifti and validateNifti throw only AnetError on ${RUNS} mutated headers`, () => {
    fc.assert(
      fc.property(mutatedNifti, (bytes) => {
        expectAnetOrOk(() => readNifti(bytes, { maxVoxels: 1e6, maxBytes: 8 * 1024 * 1024 }));
        expectAnetOrOk(() => validateNifti(bytes, { maxDecompressedBytes: 8 * 1024 * 1024 }));
      }),
      { numRuns: RUNS, seed: 8001 },
    );
  });

  it(`readNifti and validateNifti throw only AnetError on ${RUNS} random byte strings (raw and gzipped)`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), fc.boolean(), (raw, gz) => {
        const bytes = gz ? new Uint8Array(gzipSync(raw)) : raw;
        expectAnetOrOk(() => readNifti(bytes));
        expectAnetOrOk(() => validateNifti(bytes));
      }),
      { numRuns: RUNS, seed: 8002 },
    );
  });

  it(`the streaming validator rejects only with AnetError and never hangs (${RUNS} cases, random chunking)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(mutatedNifti, fc.uint8Array({ maxLength: 800 })),
        fc.array(fc.integer({ min: 1, max: 512 }), { minLength: 1, maxLength: 6 }),
        async (bytes, chunks) => withBudget(streamValidate(bytes, chunks), 'createNiftiValidator'),
      ),
      { numRuns: RUNS, seed: 8003 },
    );
    expect(unhandled).toEqual([]);
  });

  it('the readers agree with each other: same verdict (ok / error code) from readNifti and validateNifti', () => {
    const verdict = (fn: () => unknown) => {
      try {
        fn();
        return 'ok';
      } catch (err) {
        return (err as AnetError).code;
      }
    };
    const disagreements: string[] = [];
    fc.assert(
      fc.property(mutatedNifti, (bytes) => {
        const a = verdict(() => readNifti(bytes));
        const b = verdict(() => validateNifti(bytes));
        // The validator samples the data (NaN/Inf screen bounded), so it may accept what the reader refuses
        // for non-finite data only; every other verdict must match.
        if (a !== b && !(a === 'NIFTI_NON_FINITE' && b === 'ok')) disagreements.push(`${a} vs ${b}`);
      }),
      { numRuns: RUNS, seed: 8004 },
    );
    expect(disagreements).toEqual([]);
  });
});

/** JSON-ish values: what a client can put in the `options` part. */
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.string({ maxLength: 80 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const optionsLike = fc.record(
  {
    profile: fc.oneof(fc.constantFrom('paper', 'cpu', 'smoke', 'turbo', '', '__proto__'), jsonValue),
    baselineVolumeMl: fc.oneof(
      fc.double(),
      fc.constantFrom(-1, 0, 1e-9, 10_000, 10_001, Number.NaN),
      jsonValue,
    ),
    clientReference: fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/),
      fc.constantFrom('DOE^JANE', '../../etc/passwd', 'a'.repeat(65), ''),
      jsonValue,
    ),
    overrides: fc.oneof(
      fc.record(
        {
          epochs: fc.oneof(fc.integer({ min: -10, max: 200_000 }), fc.double(), jsonValue),
          seed: fc.oneof(fc.integer(), fc.double(), jsonValue),
          checkpointEvery: fc.oneof(fc.integer({ min: -5, max: 200_000 }), jsonValue),
          lr: fc.double(),
          grid: fc.array(fc.integer(), { maxLength: 3 }),
        },
        { requiredKeys: [] },
      ),
      jsonValue,
    ),
    extra: jsonValue,
  },
  { requiredKeys: [] },
);

describe('fuzz: job options and train config', () => {
  it(`JobOptionsSchema.safeParse never throws, and whatever it accepts resolves to a valid train config (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(fc.oneof(optionsLike, jsonValue), (raw) => {
        // Round-trip through JSON: that is how the options part arrives.
        const text = JSON.stringify(raw) ?? 'null';
        const parsed = JobOptionsSchema.safeParse(JSON.parse(text));
        if (!parsed.success) {
          expect(parsed.error).toBeInstanceOf(ZodError);
          return;
        }
        const o = parsed.data;
        if (o.clientReference !== undefined) expect(o.clientReference).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
        // The worker resolves exactly this: an accepted options object must never fail later as CONFIG_INVALID.
        const cfg = resolveTrainConfig(o.profile ?? 'cpu', (o.overrides ?? {}) as TrainConfigOverrides);
        if (o.overrides?.epochs !== undefined) expect(cfg.epochs).toBe(o.overrides.epochs);
      }),
      { numRuns: RUNS, seed: 8005 },
    );
  });

  it(`resolveTrainConfig throws only AnetError(PROFILE_UNKNOWN | CONFIG_INVALID) on ${RUNS} random overrides`, () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom('paper', 'cpu', 'smoke'), fc.string({ maxLength: 10 })),
        fc.oneof(
          jsonValue,
          fc.record(
            {
              epochs: jsonValue,
              grid: fc.oneof(fc.array(fc.integer({ min: -4, max: 300 }), { maxLength: 4 }), jsonValue),
              generator: fc.oneof(
                fc.record({
                  base: fc.integer({ min: -2, max: 64 }),
                  levels: fc.integer({ min: -1, max: 10 }),
                }),
                jsonValue,
              ),
              noiseSquare: jsonValue,
              schedule: jsonValue,
            },
            { requiredKeys: [] },
          ),
        ),
        (profile, overrides) => {
          try {
            const cfg = resolveTrainConfig(profile, overrides as TrainConfigOverrides);
            expect(Object.keys(PROFILES)).toContain(profile);
            expect(cfg.grid).toHaveLength(3);
          } catch (err) {
            if (!(err instanceof AnetError)) throw new Error(`non-AnetError: ${String(err)}`, { cause: err });
            expect(['PROFILE_UNKNOWN', 'CONFIG_INVALID']).toContain(err.code);
          }
        },
      ),
      { numRuns: RUNS, seed: 8006 },
    );
  });

  it('resolveTrainConfig does not let an override pollute Object.prototype', () => {
    const evil = JSON.parse('{"__proto__": {"polluted": true}, "generator": {"__proto__": {"polluted": 1}}}');
    try {
      resolveTrainConfig('smoke', evil as TrainConfigOverrides);
    } catch (err) {
      expect(err).toBeInstanceOf(AnetError);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
