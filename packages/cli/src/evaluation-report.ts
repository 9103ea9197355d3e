import { escapeHtml, type Heatmap } from '@xai-ts/heatmap';
import { encodePNG } from '@xai-ts/heatmap/node';
import type { EvaluatedCurves, Evaluation, MethodEvaluation } from '@xai-ts/metrics';

/** What the page of `xai evaluate` shows. */
export interface EvaluationReport {
  /** How the model was named. */
  readonly model: string;
  /** What the data were. */
  readonly data: string;
  /** The TF.js backend. */
  readonly backend: string;
  /** Whether this was a `--quick` run. */
  readonly quick: boolean;
  /** What was measured. */
  readonly result: Evaluation;
  /** The table's metric columns. */
  readonly columns: readonly string[];
  /** One row per method, then `random` (and `edges`), under the column names. */
  readonly rows: readonly {
    readonly method: string;
    readonly [metric: string]: number | string | undefined;
  }[];
  /** A few maps of each method, for the first images. */
  readonly examples: readonly { readonly method: string; readonly maps: readonly Heatmap[] }[];
  /** Those images. */
  readonly inputs: readonly Heatmap[];
  /** Seconds the whole run took. */
  readonly seconds: number;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; }
.scores td, .scores th { padding: 3px 8px; border-bottom: 1px solid #ddd; text-align: right; }
.scores td:first-child, .scores th:first-child { text-align: left; }
.scores tr.control td { color: #666; font-style: italic; }
.note { color: #555; max-width: 62em; }
.panels { display: flex; flex-wrap: wrap; gap: 10px; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
.tile { image-rendering: pixelated; display: block; }
.grid td { padding: 2px; text-align: center; font-size: 12px; }
dt { font-weight: 600; margin-top: 0.6em; } dd { margin-left: 1.5em; color: #444; max-width: 60em; }
`;

const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#393b79',
  '#637939',
  '#843c39',
  '#7b4173',
];

function f3(v: number | string | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(3) : '–';
}

function path(
  xs: readonly number[],
  ys: readonly number[],
  x: (v: number) => number,
  y: (v: number) => number,
): string {
  return xs.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(v).toFixed(1)},${y(ys[i]!).toFixed(1)}`).join(' ');
}

/** One small panel: a method's MIF and LIF curves, the area between them shaded, the random curves dashed. */
function curvePanel(
  title: string,
  curves: EvaluatedCurves,
  random: EvaluatedCurves | undefined,
  srg: number | undefined,
): string {
  const W = 200;
  const H = 150;
  const L = 32;
  const B = 22;
  const T = 18;
  const x = (v: number) => L + v * (W - L - 6);
  const top = Math.max(1e-6, ...curves.mif, ...curves.lif, ...(random ? [...random.mif, ...random.lif] : []));
  const y = (v: number) => T + (1 - v / top) * (H - T - B);
  const occ = curves.occlusion;
  const area = `${path(occ, curves.lif, x, y)} ${[...occ]
    .reverse()
    .map((v, i) => `L${x(v).toFixed(1)},${y(curves.mif[occ.length - 1 - i]!).toFixed(1)}`)
    .join(' ')} Z`;
  const randomPaths = random
    ? `<path d="${path(random.occlusion, random.mif, x, y)}" fill="none" stroke="#999" stroke-dasharray="3,3"/>` +
      `<path d="${path(random.occlusion, random.lif, x, y)}" fill="none" stroke="#bbb" stroke-dasharray="1,3"/>`
    : '';
  return `<svg class="curves" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(title)}: pixel-flipping curves">
<text x="${L}" y="12">${escapeHtml(title)}${srg === undefined ? '' : ` · SRG ${srg.toFixed(3)}`}</text>
<line x1="${L}" y1="${y(0)}" x2="${W - 6}" y2="${y(0)}" stroke="#999"/><line x1="${L}" y1="${T}" x2="${L}" y2="${y(0)}" stroke="#999"/>
<text x="${L - 4}" y="${y(top) + 4}" text-anchor="end">${top.toFixed(2)}</text><text x="${L - 4}" y="${y(0)}" text-anchor="end">0</text>
<text x="${x(0)}" y="${H - 6}" text-anchor="middle">0</text><text x="${x(1)}" y="${H - 6}" text-anchor="end">100 %</text>
<path d="${area}" fill="#2166ac" fill-opacity="0.12" stroke="none"/>
${randomPaths}
<path d="${path(occ, curves.mif, x, y)}" fill="none" stroke="#b2182b" stroke-width="1.6"/>
<path d="${path(occ, curves.lif, x, y)}" fill="none" stroke="#2166ac" stroke-width="1.6"/>
</svg>`;
}

/** The randomisation plot: Spearman with the trained model's maps as layers are randomised from the top. */
function randomisationPlot(entries: readonly MethodEvaluation[]): string {
  const withSteps = entries.filter((e) => e.randomisation && e.randomisation.length > 0);
  if (withSteps.length === 0) return '';
  const layers = withSteps[0]!.randomisation!.map((s) => s.layer);
  const W = Math.max(420, 90 + layers.length * 60);
  const H = 300;
  const L = 44;
  const R = 190;
  const T = 14;
  const B = 64;
  const steps = layers.length;
  const x = (i: number) => L + (steps === 1 ? 0.5 : i / (steps - 1)) * (W - L - R);
  const lo = Math.min(-0.2, ...withSteps.flatMap((e) => e.randomisation!.map((s) => s.spearman)));
  const y = (v: number) => T + ((1 - v) / (1 - lo)) * (H - T - B);
  const lines = withSteps
    .map((e, k) => {
      const colour = e.method === 'edges' ? '#777' : PALETTE[k % PALETTE.length]!;
      const pts = e
        .randomisation!.map((s, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(s.spearman).toFixed(1)}`)
        .join(' ');
      const dash = e.method === 'edges' ? ' stroke-dasharray="5,3"' : '';
      return `<path d="${pts}" fill="none" stroke="${colour}" stroke-width="1.6"${dash}><title>${escapeHtml(e.method)}</title></path>
<text x="${W - R + 8}" y="${T + 14 * k + 4}" style="fill:${colour}">${escapeHtml(e.method)}</text>`;
    })
    .join('\n');
  const ticks = layers
    .map(
      (name, i) =>
        `<text x="${x(i)}" y="${H - B + 14}" text-anchor="end" transform="rotate(-35 ${x(i)} ${H - B + 14})">${escapeHtml(name)}</text>`,
    )
    .join('');
  const grid = [1, 0.5, 0]
    .map(
      (v) =>
        `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${L - 4}" y="${y(v) + 4}" text-anchor="end">${v}</text>`,
    )
    .join('');
  return `<svg id="randomisation" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="Spearman correlation under cascading randomisation">
${grid}
${ticks}
${lines}
</svg>`;
}

function dataUrl(image: Heatmap): string {
  return `data:image/png;base64,${Buffer.from(encodePNG(image)).toString('base64')}`;
}

function tile(image: Heatmap, title: string): string {
  const scale = Math.max(1, Math.round(96 / image.width));
  return `<img class="tile" src="${dataUrl(image)}" width="${image.width * scale}" height="${image.height * scale}" alt="${escapeHtml(title)}" title="${escapeHtml(title)}">`;
}

/** The page of `xai evaluate`: one self-contained HTML file (plots as SVG, tiles as inline PNGs). */
export function evaluationHtml(r: EvaluationReport): string {
  const res = r.result;
  const controls = new Set(['random', 'edges']);
  const table = `<table class="scores" id="scores">
<thead><tr><th>method</th>${r.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>
<tbody>
${r.rows
  .map(
    (row) =>
      `<tr${controls.has(row.method) ? ' class="control"' : ''}><td>${escapeHtml(row.method)}</td>${r.columns
        .map((c) => `<td>${f3(row[c])}</td>`)
        .join('')}</tr>`,
  )
  .join('\n')}
</tbody>
</table>`;
  const curveSections = res.settings
    .filter(() => res.metrics.includes('srg') || res.metrics.includes('aopc'))
    .map((s) => {
      const random = res.random.curves[s.name];
      const panels = [...res.methods, res.random]
        .filter((m) => m.curves[s.name])
        .map((m) =>
          curvePanel(
            m.method,
            m.curves[s.name]!,
            m === res.random ? undefined : random,
            m.metrics[`srg:${s.name}`],
          ),
        )
        .join('\n');
      const o = s.options;
      return `<h3>Setting <code>${escapeHtml(s.name)}</code></h3>
<p class="note">${o.patch ?? 1}×${o.patch ?? 1} patches ranked by the ${escapeHtml(String(o.reduce ?? 'norm'))} of their relevance,
replaced by the ${escapeHtml(typeof o.imputer === 'string' ? o.imputer : 'given')} imputer in ${o.steps ?? 25} steps; the
curve is the mean ${escapeHtml(String(o.output ?? 'softmax'))} of the explained class. Red: most relevant first (MIF),
blue: least relevant first (LIF), shaded: the area SRG measures; dashed grey: the random attribution's curves.</p>
<div class="panels">
${panels}
</div>`;
    })
    .join('\n');
  const randomisation = res.metrics.includes('randomisation')
    ? `<h2>Sanity: cascading model-parameter randomisation</h2>
<p class="note">The layers are re-initialised one after another from the output towards the input, and each method's
maps on the randomised model are compared with its maps on the trained model (Spearman rank correlation of the
per-pixel relevance norms, mean over ${Math.min(res.n, res.methods[0]?.randomisation?.[0]?.spearmanPerSample.length ?? res.n)}
images). A method that explains the model falls towards 0; one that stays near 1 shows the image rather than what the
model learnt. The dashed grey line is an edge detector, which ignores the model: it stays at 1 by construction.</p>
${randomisationPlot([...res.methods, ...(res.edges ? [res.edges] : [])])}`
    : '';
  const examples =
    r.examples.length > 0 && r.inputs.length > 0
      ? `<h2>Examples</h2>
<table class="grid"><thead><tr><th>image</th>${r.examples.map((e) => `<th>${escapeHtml(e.method)}</th>`).join('')}</tr></thead>
<tbody>
${r.inputs
  .map(
    (input, i) =>
      `<tr><td>${tile(input, `image ${i}`)}</td>${r.examples
        .map((e) => (e.maps[i] ? `<td>${tile(e.maps[i]!, `${e.method}, image ${i}`)}</td>` : '<td></td>'))
        .join('')}</tr>`,
  )
  .join('\n')}
</tbody></table>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>xai-ts evaluation: ${escapeHtml(r.model)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Evaluation of explanations of ${escapeHtml(r.model)}</h1>
<p class="note">${res.methods.length} methods on ${escapeHtml(r.data)}${r.quick ? ' (a quick run: fewer images, samples and perturbations)' : ''};
every method explains each image's largest output. Seed ${res.seed}, backend <code>${escapeHtml(r.backend)}</code>,
${r.seconds.toFixed(1)} s. The <em>random</em> row is a random attribution (noise; its flipping scores are the mean over several seeds):
a method that does not beat it there says nothing about the model on that metric.</p>

<h2>Scores</h2>
${table}
<dl class="note">
<dt>srg</dt><dd>Symmetric relevance gain: the mean gap between the LIF and the MIF curve (higher is more faithful).
The plain column is the first setting's (PixelFlipper.jl's defaults); <code>srg:&lt;setting&gt;</code> the others'.</dd>
<dt>aopc</dt><dd>Area over the MIF curve: the mean drop of the class score as the most relevant patches go (higher is more faithful).</dd>
<dt>randomisation</dt><dd>Spearman correlation with the trained model's maps once every layer is randomised (lower passes the sanity check).</dd>
<dt>sensitivity</dt><dd>Max-sensitivity: the largest relative change of the map under small input perturbations (lower is more robust).</dd>
<dt>sparseness, entropy</dt><dd>Gini index of the absolute relevance (higher is sparser) and its Shannon entropy (lower is more concentrated).</dd>
<dt>relevanceMass, relevanceRank, pointingGame</dt><dd>Localisation against the objects' masks: share of positive relevance on the object,
share of the top pixels on it, and whether the most relevant pixel is on it.</dd>
</dl>

<h2>Faithfulness: pixel flipping</h2>
${curveSections}
${randomisation}
${examples}
</body>
</html>
`;
}
