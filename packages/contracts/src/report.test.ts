import { describe, expect, it } from 'vitest';
import {
  DISCLAIMER,
  KNOWN_LIMITATIONS,
  REPORT_SCHEMA_VERSION,
  ReportSchema,
  type RanoAssessment,
  type Report,
  type ReportInput,
} from './report';

const hash = 'a'.repeat(64);
const input: ReportInput = {
  name: 'baseline.nii.gz',
  sha256: hash,
  dims: [4, 4, 2],
  spacing: [1, 1, 2],
  datatype: 'float64',
};
const rano: RanoAssessment = {
  scheme: 'modified-rano-strack-2023',
  label: 'modified RANO (Strack 2023)',
  class: 'progression',
  percentChange: 30,
  thresholds: { responseBelowPercent: -50, progressionAtLeastPercent: 25 },
};

function sample(): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    software: { name: 'anet', version: '0.1.0' },
    disclaimer: DISCLAIMER,
    knownLimitations: [...KNOWN_LIMITATIONS],
    inputs: {
      baseline: input,
      followup: { ...input, name: 'followup.nii.gz' },
      baselineMask: null,
      baselineBrainMask: null,
      followupBrainMask: null,
      baselineVolumeMl: 10,
    },
    configuration: { train: { epochs: 3 }, analysis: { threshold: 0.15 } },
    profile: 'smoke',
    variant: 'paper',
    method: { align: 'none', map: 'gan' },
    alignment: null,
    geometry: {
      orientation: { baseline: 'LPS', followup: 'RAS' },
      brainMasks: { baseline: 'computed', followup: 'supplied' },
    },
    backend: { name: 'cpu', device: 'cpu' },
    seed: 1,
    timingsMs: { preprocessing: 1, training: 2, inferring: 3, analysing: 4, total: 10, writing: 1 },
    volumes: {
      voxelVolumeMl: 0.002,
      changeVoxels: 1500,
      changeMl: 3,
      growthVoxels: 1500,
      growthMl: 3,
      reductionVoxels: 0,
      reductionMl: 0,
      baselineMl: 10,
      baselineSource: 'number',
      predictedFollowupMl: 13,
    },
    trust: {
      headerSpacing: { plausible: true, spacingMm: [1, 1, 1], brainExtentMm: [140, 170, 120], reasons: [] },
      trustworthyFigure: 'mL',
      suspiciousChange: { flagged: false, reason: null },
      warnings: [],
    },
    classes: {
      modifiedRano: rano,
      rano2: { ...rano, scheme: 'rano-2.0-volumetric', label: 'RANO 2.0 volumetric', class: 'stable' },
    },
    volumeEstimate: { method: 'ternary' },
    perSnapshot: [{ snapshot: 0, mean: 0, std: 0.1, min: -1, max: 1 }],
    artifacts: [{ name: 'map.nii.gz', contentType: 'application/gzip', bytes: 10, sha256: hash }],
    createdAt: new Date(0).toISOString(),
  };
}

describe('ReportSchema', () => {
  it('accepts a complete report and survives a JSON round trip', () => {
    const r = sample();
    expect(ReportSchema.parse(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });
  it('rejects a wrong version, a bad checksum, unknown fields and a missing disclaimer', () => {
    expect(ReportSchema.safeParse({ ...sample(), schemaVersion: '0.9.0' }).success).toBe(false);
    const badHash = sample();
    badHash.artifacts[0].sha256 = 'XYZ';
    expect(ReportSchema.safeParse(badHash).success).toBe(false);
    expect(ReportSchema.safeParse({ ...sample(), extra: 1 }).success).toBe(false);
    expect(ReportSchema.safeParse({ ...sample(), disclaimer: '' }).success).toBe(false);
    const badClass = sample();
    (badClass.classes.modifiedRano as { class: string }).class = 'better';
    expect(ReportSchema.safeParse(badClass).success).toBe(false);
  });
  it('says it is research software', () => {
    expect(DISCLAIMER).toMatch(/research software, not a medical device/i);
    expect(KNOWN_LIMITATIONS.join(' ')).toMatch(/ventricles/);
  });
});
