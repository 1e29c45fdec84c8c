/**
 * The anet result viewer (runs in the browser; bundled by scripts/build.mjs). Baseline and the aligned
 * follow-up as backgrounds, the signed change map (growth warm, reduction cool, transparent inside
 * ±threshold), the ternary labels (outlined by default), optional uncertainty; 2D planes, multiplanar
 * and 3D; the report's headline beside the images. Everything comes from the URLs in #anet-config.
 */
import { MULTIPLANAR_TYPE, Niivue, SHOW_RENDER, SLICE_TYPE, type NVImage } from '@niivue/niivue';
import type { Report } from '@anet/contracts';
import { headlineFields, reportThreshold } from './headline';
import { parseColourTable, type LabelColormap } from './labelTable';
import './viewer.css';

type Role = 'baseline' | 'followup' | 'map' | 'labels' | 'labelTable' | 'uncertainty' | 'report';
interface Config {
  title: string;
  assetBase: string;
  files: Partial<Record<Role, string>>;
}
type Layer = 'baseline' | 'followup' | 'map' | 'labels' | 'uncertainty';

/** Display window of the map when its header has none (the pipeline writes ±0.5). */
const DEFAULT_WINDOW = 0.5;

/**
 * The overlay PNGs' ramps (growth red → yellow, reduction blue → cyan by strength), as NiiVue colormaps.
 * Index 0 (below the threshold) is transparent, everything drawn is opaque: a faint ramp start would hide
 * the weakest change that still counts.
 */
const RAMPS = {
  growth: { from: [230, 20, 10], to: [255, 240, 40] },
  reduction: { from: [20, 70, 255], to: [40, 240, 255] },
} as const;
const rampColormap = (r: { from: readonly number[]; to: readonly number[] }) => ({
  R: [0, r.from[0], r.to[0]],
  G: [0, r.from[1], r.to[1]],
  B: [0, r.from[2], r.to[2]],
  A: [0, 255, 255],
  I: [0, 1, 255],
});
const rgb = (c: readonly number[]) => `rgb(${c.join(',')})`;

const cfg = JSON.parse(document.getElementById('anet-config')!.textContent!) as Config;
const side = document.getElementById('side')!;
const statusEl = document.getElementById('status')!;
const canvas = document.getElementById('gl') as HTMLCanvasElement;

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Array<Node | string | null | undefined>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    // CSSOM, not a style attribute: the page's CSP allows no inline style attributes.
    if (k === 'style') el.style.cssText = String(v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

function setState(state: 'loading' | 'ready' | 'error', message = ''): void {
  document.body.dataset.state = state;
  statusEl.textContent = message;
  statusEl.hidden = state === 'ready';
}

async function fetchOk(role: Role): Promise<Response> {
  const url = cfg.files[role]!;
  const res = await fetch(url, { cache: 'no-store', credentials: 'omit' });
  if (!res.ok) {
    let detail = `HTTP ${res.status}`;
    try {
      const body = (await res.json()) as { error?: { code?: string; message?: string } };
      if (body.error?.message) detail = `${body.error.code}: ${body.error.message}`;
    } catch {
      /* not a JSON error body */
    }
    throw new Error(`could not load the ${role} (${detail})`);
  }
  return res;
}

// ---- side panel ------------------------------------------------------------------------------------

function renderHeadline(report: Report): HTMLElement {
  const fields = headlineFields(report);
  const dl = h('dl', { class: 'headline' });
  for (const f of fields) {
    const dd = h('dd', { 'data-field': f.key, 'data-value': f.value === null ? '' : String(f.value) }, f.text);
    if (f.rano) dd.classList.add('rano', `rano-${f.rano}`);
    dl.append(h('dt', {}, f.label), dd);
  }
  const limits = h(
    'details',
    { class: 'limits' },
    h('summary', {}, 'Known limitations'),
    h('ul', {}, ...report.knownLimitations.map((l) => h('li', {}, l))),
  );
  return h(
    'section',
    { id: 'report' },
    h('h2', {}, 'Result'),
    dl,
    h('p', { class: 'disclaimer', 'data-field': 'disclaimer' }, report.disclaimer),
    limits,
  );
}

function button(label: string, attrs: Record<string, string> = {}): HTMLButtonElement {
  return h('button', { type: 'button', ...attrs }, label);
}

function slider(id: string, value: number): HTMLInputElement {
  return h('input', { type: 'range', id, min: '0', max: '1', step: '0.05', value: String(value) });
}

function checkbox(id: string, checked: boolean, disabled = false): HTMLInputElement {
  return h('input', { type: 'checkbox', id, checked, disabled });
}

function legend(threshold: number | null, span: number, labels: LabelColormap): HTMLElement {
  const thr = threshold ?? 0;
  const pos = (v: number) => `${(((v + span) / (2 * span)) * 100).toFixed(2)}%`;
  const ticks = [-span, -thr, thr, span].map((v) =>
    h('span', { class: 'tick', style: `left:${pos(v)}` }, `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v).toFixed(2)}`),
  );
  // Inside ±threshold the map is not drawn: the band shows that gap.
  const { growth: g, reduction: r } = RAMPS;
  const bar = h('div', {
    class: 'bar',
    style: `background:linear-gradient(to right, ${rgb(r.to)} 0%, ${rgb(r.from)} ${pos(-thr)}, transparent ${pos(-thr)}, transparent ${pos(thr)}, ${rgb(g.from)} ${pos(thr)}, ${rgb(g.to)} 100%)`,
  });
  const items = labels.I.map((value, i) =>
    labels.A[i] === 0
      ? null
      : h(
          'li',
          {},
          h('span', { class: 'swatch', style: `background:rgb(${labels.R[i]},${labels.G[i]},${labels.B[i]})` }),
          `${value} ${labels.labels[i]}`,
        ),
  );
  return h(
    'section',
    { id: 'legend' },
    h('h2', {}, 'Legend'),
    h('div', { class: 'maplegend' }, h('div', { class: 'caption' }, 'change map (follow-up − baseline)'), bar, h('div', { class: 'ticks' }, ...ticks)),
    h(
      'p',
      { class: 'hint' },
      threshold === null
        ? 'cool: darker at follow-up · warm: brighter'
        : `cool: reduction · warm: growth · not drawn within ±${threshold} (the threshold)`,
    ),
    h('ul', { class: 'labels' }, ...items),
  );
}

// ---- the viewer -------------------------------------------------------------------------------------

const VIEWS: Array<[string, SLICE_TYPE, string]> = [
  ['Axial', SLICE_TYPE.AXIAL, 'a'],
  ['Coronal', SLICE_TYPE.CORONAL, 'c'],
  ['Sagittal', SLICE_TYPE.SAGITTAL, 's'],
  ['Multiplanar', SLICE_TYPE.MULTIPLANAR, 'm'],
  ['3D', SLICE_TYPE.RENDER, 'r'],
];

async function main(): Promise<void> {
  document.title = `anet viewer · ${cfg.title}`;
  const [report, labels] = await Promise.all([
    fetchOk('report').then((r) => r.json() as Promise<Report>),
    fetchOk('labelTable').then(async (r) => parseColourTable(await r.text())),
  ]);
  const threshold = reportThreshold(report);

  const nv = new Niivue({
    backColor: [0, 0, 0, 1],
    crosshairColor: [0.15, 0.9, 0.3, 0.55],
    crosshairWidth: 1,
    // Reading-room convention: the patient's left on the screen's right in axial and coronal planes.
    isRadiologicalConvention: true,
    isOrientationTextVisible: true,
    show3Dcrosshair: true,
    multiplanarShowRender: SHOW_RENDER.ALWAYS,
    multiplanarLayout: MULTIPLANAR_TYPE.GRID,
    isColorbar: false,
    dragAndDropEnabled: false,
    loadingText: '',
    logLevel: 'warn',
    atlasOutline: 0,
  });
  await nv.attachToCanvas(canvas);

  const layers: Array<{ layer: Layer; url: string }> = [];
  for (const layer of ['baseline', 'followup', 'map', 'labels', 'uncertainty'] as const)
    if (cfg.files[layer]) layers.push({ layer, url: cfg.files[layer]! });
  const names: Record<Layer, string> = {
    baseline: 'baseline.nii.gz',
    followup: 'followup_aligned.nii.gz',
    map: 'map.nii.gz',
    labels: 'ternary_labels.nii.gz',
    uncertainty: 'uncertainty.nii.gz',
  };
  await nv.loadVolumes(
    layers.map(({ layer, url }) => ({
      url,
      // NiiVue picks the reader from the name: the URL's query (a token) must not decide.
      name: names[layer],
      colormap: 'gray',
      opacity: layer === 'uncertainty' || layer === 'followup' ? 0 : 1,
    })),
  );
  const vol = {} as Partial<Record<Layer, NVImage>>;
  layers.forEach(({ layer }, i) => (vol[layer] = nv.volumes[i]));
  const idx = (layer: Layer) => (vol[layer] ? nv.volumes.indexOf(vol[layer]!) : -1);

  // Change map: warm above +threshold, cool below −threshold, transparent between.
  const map = vol.map!;
  const mapWindow = map.hdr && map.hdr.cal_max > 0 ? map.hdr.cal_max : DEFAULT_WINDOW;
  const thr = threshold ?? mapWindow / 10;
  nv.addColormap('anet_growth', rampColormap(RAMPS.growth));
  nv.addColormap('anet_reduction', rampColormap(RAMPS.reduction));
  map.colormap = 'anet_growth';
  map.colormapNegative = 'anet_reduction';
  map.cal_min = thr;
  map.cal_max = mapWindow;
  map.cal_minNeg = -mapWindow;
  map.cal_maxNeg = -thr;
  // The raw map is faint and the counted change (the labels) solid: on real pairs the map also marks
  // rim and vessel noise that the analysis does not count, and a strong map hid the labels.
  map.opacity = 0.3;
  const lab = vol.labels!;
  lab.setColormapLabel(labels);
  lab.opacity = 0.7;
  if (vol.uncertainty) {
    vol.uncertainty.colormap = 'hot';
    vol.uncertainty.opacity = 0;
  }
  nv.updateGLVolume();

  // ---- controls
  const viewButtons = VIEWS.map(([label, type, key]) => {
    const b = button(label, { 'data-view': label.toLowerCase(), title: `${label} (key ${key.toUpperCase()})` });
    b.addEventListener('click', () => setView(type));
    return b;
  });
  const setView = (type: SLICE_TYPE) => {
    nv.setSliceType(type);
    viewButtons.forEach((b, i) => b.setAttribute('aria-pressed', String(VIEWS[i][1] === type)));
  };

  const bgBaseline = button('Baseline', { 'data-background': 'baseline', title: 'key B' });
  const bgFollowup = button('Follow-up (aligned)', {
    'data-background': 'followup',
    title: 'key F',
    ...(vol.followup ? {} : { disabled: 'disabled' }),
  });
  let background: 'baseline' | 'followup' = 'baseline';
  const setBackground = (which: 'baseline' | 'followup') => {
    if (!vol[which]) return;
    background = which;
    // The chosen scan becomes volume 0 (NiiVue's background); the other is hidden under it.
    nv.setVolume(vol[which]!, 0);
    const other = which === 'baseline' ? 'followup' : 'baseline';
    if (vol[other]) nv.setOpacity(idx(other), 0);
    nv.setOpacity(idx(which), 1);
    bgBaseline.setAttribute('aria-pressed', String(which === 'baseline'));
    bgFollowup.setAttribute('aria-pressed', String(which === 'followup'));
  };
  bgBaseline.addEventListener('click', () => setBackground('baseline'));
  bgFollowup.addEventListener('click', () => setBackground('followup'));

  const showMap = checkbox('show-map', true);
  const mapOpacity = slider('map-opacity', map.opacity);
  const showLabels = checkbox('show-labels', true);
  const labelsOutline = checkbox('labels-outline', false);
  const labelOpacity = slider('labels-opacity', lab.opacity);
  const showUnc = checkbox('show-uncertainty', false, !vol.uncertainty);
  const applyLayers = () => {
    nv.setOpacity(idx('map'), showMap.checked ? Number(mapOpacity.value) : 0);
    nv.setOpacity(idx('labels'), showLabels.checked ? Number(labelOpacity.value) : 0);
    nv.opts.atlasOutline = labelsOutline.checked ? 1 : 0;
    if (vol.uncertainty) nv.setOpacity(idx('uncertainty'), showUnc.checked ? 0.6 : 0);
    nv.updateGLVolume();
  };
  for (const el of [showMap, mapOpacity, showLabels, labelsOutline, labelOpacity, showUnc])
    el.addEventListener('input', applyLayers);

  // ---- jump to the largest change (where a reader starts), and read-out under the crosshair
  const labelValue = (name: string) => labels.I[labels.labels.indexOf(name)] ?? -1;
  const strongest = largestChange(map, lab, { growth: labelValue('growth'), reduction: labelValue('reduction') });
  const goTo = (mm: number[] | null) => {
    if (!mm) return;
    nv.scene.crosshairPos = nv.mm2frac(mm as unknown as Float32Array);
    nv.drawScene();
    nv.createOnLocationChange();
  };
  const jumpGrowth = button('Largest growth', { 'data-jump': 'growth', ...(strongest.growth ? {} : { disabled: 'disabled' }) });
  const jumpReduction = button('Largest reduction', {
    'data-jump': 'reduction',
    ...(strongest.reduction ? {} : { disabled: 'disabled' }),
  });
  jumpGrowth.addEventListener('click', () => goTo(strongest.growth));
  jumpReduction.addEventListener('click', () => goTo(strongest.reduction));

  const readout = h('dl', { class: 'readout', id: 'readout' });
  const labelName = (v: number) => {
    const i = labels.I.indexOf(Math.round(v));
    return i < 0 ? String(v) : labels.labels[i];
  };
  nv.onLocationChange = (raw: unknown) => {
    const loc = raw as { mm: ArrayLike<number>; values: Array<{ name: string; value: number; vox: ArrayLike<number> }> };
    const by = (layer: Layer) => loc.values.find((v) => v.name === names[layer]);
    const m = by('map');
    const rows: Array<[string, string, string]> = [
      ['world', `${[...Array.from(loc.mm).slice(0, 3)].map((x) => x.toFixed(1)).join(', ')} mm`, 'mm'],
      ['voxel', m ? Array.from(m.vox).slice(0, 3).join(', ') : '', 'vox'],
      ['change map', m ? fmtSigned(m.value) : '', 'map'],
      ['label', by('labels') ? labelName(by('labels')!.value) : '', 'label'],
      ['baseline', by('baseline') ? fmt(by('baseline')!.value) : '', 'baseline'],
    ];
    if (vol.followup) rows.push(['follow-up (aligned)', fmt(by('followup')!.value), 'followup']);
    if (vol.uncertainty) rows.push(['uncertainty', fmt(by('uncertainty')!.value), 'uncertainty']);
    readout.replaceChildren(...rows.flatMap(([k, v, f]) => [h('dt', {}, k), h('dd', { 'data-readout': f }, v)]));
  };

  document.addEventListener('keydown', (e) => {
    if (e.target instanceof HTMLInputElement || e.metaKey || e.ctrlKey || e.altKey) return;
    const k = e.key.toLowerCase();
    const view = VIEWS.find((v) => v[2] === k);
    if (view) setView(view[1]);
    else if (k === 'b') setBackground('baseline');
    else if (k === 'f') setBackground('followup');
    else if (k === ' ') {
      // Flicker between the two scans: the quickest way to see a change by eye.
      setBackground(background === 'baseline' ? 'followup' : 'baseline');
      e.preventDefault();
    } else return;
  });

  side.replaceChildren(
    h('header', {}, h('h1', {}, 'anet'), h('span', { class: 'title', 'data-field': 'title' }, cfg.title)),
    renderHeadline(report),
    h(
      'section',
      { id: 'controls' },
      h('h2', {}, 'View'),
      h('div', { class: 'buttons' }, ...viewButtons),
      h('div', { class: 'buttons' }, bgBaseline, bgFollowup),
      h('p', { class: 'hint' }, 'Space flips baseline ↔ follow-up.'),
      h('div', { class: 'buttons' }, jumpGrowth, jumpReduction),
      h('h2', {}, 'Layers'),
      h('label', {}, showMap, ' change map'),
      h('label', { class: 'slider' }, 'opacity ', mapOpacity),
      h('label', {}, showLabels, ' change labels'),
      h('label', {}, labelsOutline, ' as outline'),
      h('label', { class: 'slider' }, 'opacity ', labelOpacity),
      h('label', { title: vol.uncertainty ? '' : 'this result has no uncertainty map (no network in its method)' }, showUnc, ' uncertainty'),
    ),
    legend(threshold, mapWindow, labels),
    h('section', { id: 'cursor' }, h('h2', {}, 'Crosshair'), readout),
  );

  setBackground('baseline');
  setView(SLICE_TYPE.MULTIPLANAR);
  applyLayers();
  goTo(strongest.growth ?? strongest.reduction);
  nv.createOnLocationChange();
  (window as unknown as { anetViewer: unknown }).anetViewer = { nv, strongest, setView, setBackground };
  setState('ready');
}

const fmt = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3)) : '');
const fmtSigned = (x: number) => (Number.isFinite(x) ? `${x > 0 ? '+' : ''}${x.toFixed(3)}` : '');

/**
 * World position (mm) of the middle of the largest connected growth and reduction region (6-connected,
 * on the labels): where a reader starts. The strongest single voxel is usually noise at the brain's rim.
 * The map and the labels share the baseline's grid, so one raw index addresses both.
 */
function largestChange(
  map: NVImage,
  labels: NVImage,
  values: { growth: number; reduction: number },
): { growth: number[] | null; reduction: number[] | null } {
  const l = labels.img as ArrayLike<number> | null;
  const hdr = map.hdr!;
  const [nx, ny, nz] = [hdr.dims[1], hdr.dims[2], hdr.dims[3]];
  if (!l || l.length < nx * ny * nz) return { growth: null, reduction: null };
  const seen = new Uint8Array(nx * ny * nz);
  const best: Record<number, { size: number; voxels: number[] }> = {};
  const stack: number[] = [];
  for (let i = 0; i < seen.length; i++) {
    const v = l[i];
    if (v === 0 || seen[i]) continue;
    const voxels: number[] = [];
    seen[i] = 1;
    stack.push(i);
    while (stack.length) {
      const j = stack.pop()!;
      voxels.push(j);
      const x = j % nx;
      const y = Math.floor(j / nx) % ny;
      const z = Math.floor(j / (nx * ny));
      const nb = [x > 0 ? j - 1 : -1, x < nx - 1 ? j + 1 : -1, y > 0 ? j - nx : -1, y < ny - 1 ? j + nx : -1];
      nb.push(z > 0 ? j - nx * ny : -1, z < nz - 1 ? j + nx * ny : -1);
      for (const k of nb)
        if (k >= 0 && !seen[k] && l[k] === v) {
          seen[k] = 1;
          stack.push(k);
        }
    }
    if (!best[v] || voxels.length > best[v].size) best[v] = { size: voxels.length, voxels };
  }
  const a = hdr.affine;
  const toMm = (x: number, y: number, z: number) => [0, 1, 2].map((r) => a[r][0] * x + a[r][1] * y + a[r][2] * z + a[r][3]);
  /** The region's voxel nearest its centroid (a curved region's centroid may lie outside it). */
  const middle = (c: { voxels: number[] } | undefined) => {
    if (!c) return null;
    const xyz = c.voxels.map((j) => [j % nx, Math.floor(j / nx) % ny, Math.floor(j / (nx * ny))]);
    const m = [0, 1, 2].map((d) => xyz.reduce((s, p) => s + p[d], 0) / xyz.length);
    let bestP = xyz[0];
    let bestD = Infinity;
    for (const p of xyz) {
      const d = (p[0] - m[0]) ** 2 + (p[1] - m[1]) ** 2 + (p[2] - m[2]) ** 2;
      if (d < bestD) [bestD, bestP] = [d, p];
    }
    return toMm(bestP[0], bestP[1], bestP[2]);
  };
  return { growth: middle(best[values.growth]), reduction: middle(best[values.reduction]) };
}

main().catch((err: unknown) => {
  setState('error', `The viewer could not start: ${err instanceof Error ? err.message : String(err)}`);
  console.error(err);
});
