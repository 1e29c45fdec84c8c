import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import dcmjs from 'dcmjs';

export interface DicomGeometry {
  /** LPS position of the first voxel of slice 0 (mm). */
  origin: [number, number, number];
  /** Direction of increasing column index, then of increasing row index (LPS unit vectors). */
  rowDir: [number, number, number];
  colDir: [number, number, number];
  /** [between rows (along colDir), between columns (along rowDir)] as DICOM PixelSpacing. */
  pixelSpacing: [number, number];
  sliceSpacing: number;
}

/**
 * Writes an int16 volume (x = column fastest, then row, then slice) as a classic single-frame MR
 * series: one Part 10 file per slice with ImagePositionPatient/Orientation, PixelSpacing and
 * SliceThickness. Files are written in shuffled order, so a converter must sort by position.
 */
export async function writeDicomSeries(
  dir: string,
  vol: { data: Int16Array; dims: [number, number, number] },
  geo: DicomGeometry,
  ids: { seriesUid: string; seriesNumber: number; studyUid?: string; description?: string },
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const [cols, rows, slices] = vol.dims;
  const normal = cross(geo.rowDir, geo.colDir);
  const studyUid = ids.studyUid ?? '2.25.1001';
  const order = Array.from({ length: slices }, (_, k) => k).sort(
    (a, b) => ((a * 7) % slices) - ((b * 7) % slices),
  );
  for (const k of order) {
    const pixels = vol.data.slice(k * cols * rows, (k + 1) * cols * rows);
    const ipp = geo.origin.map((o, i) => ds(o + k * geo.sliceSpacing * normal[i]));
    const dataset: Record<string, unknown> = {
      _meta: { TransferSyntaxUID: { Value: ['1.2.840.10008.1.2.1'] } },
      _vrMap: { PixelData: 'OW' },
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.4',
      SOPInstanceUID: `${ids.seriesUid}.${k + 1}`,
      StudyInstanceUID: studyUid,
      SeriesInstanceUID: ids.seriesUid,
      FrameOfReferenceUID: `${studyUid}.9`,
      Modality: 'MR',
      Manufacturer: 'anet-test',
      PatientName: 'Phantom^Synthetic',
      PatientID: 'PHANTOM-0',
      StudyDate: '20260101',
      SeriesDate: '20260101',
      SeriesTime: '120000',
      SeriesDescription: ids.description ?? 'phantom',
      SeriesNumber: ids.seriesNumber,
      InstanceNumber: k + 1,
      ImagePositionPatient: ipp,
      ImageOrientationPatient: [...geo.rowDir, ...geo.colDir].map(ds),
      PixelSpacing: geo.pixelSpacing,
      SliceThickness: geo.sliceSpacing,
      Rows: rows,
      Columns: cols,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
      RescaleIntercept: 0,
      RescaleSlope: 1,
      PixelData: [pixels.buffer],
    };
    await writeFile(
      join(dir, `slice_${String(k).padStart(3, '0')}.dcm`),
      dcmjs.data.datasetToBuffer(dataset),
    );
  }
}

/** A DICOM decimal string holds at most 16 characters: round before writing, so readers see what we meant. */
function ds(v: number): number {
  return Number(v.toPrecision(9));
}

export function cross(a: number[], b: number[]): [number, number, number] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
