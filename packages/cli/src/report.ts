import { escapeHtml, type Heatmap } from '@xai-ts/heatmap';
import { encodePNG } from '@xai-ts/heatmap/node';
import type { LocalizationScores } from '@xai-ts/metrics';

/** What the demo's report shows. */
export interface DemoReport {
  readonly n: number;
  readonly seed: number;
  readonly backend: string;
  readonly inputs: readonly Heatmap[];
  readonly rows: readonly {
    readonly label: string;
    readonly predicted: string;
    readonly probability: number;
  }[];
  readonly columns: readonly {
    readonly name: string;
    readonly maps: readonly Heatmap[];
    readonly scores: LocalizationScores;
    readonly seconds: number;
    readonly features?: readonly number[];
  }[];
  readonly baseline: LocalizationScores;
  readonly seconds: number;
  readonly montageFile: string;
}

function dataUrl(image: Heatmap): string {
  return `data:image/png;base64,${Buffer.from(encodePNG(image)).toString('base64')}`;
}

function img(image: Heatmap, title: string): string {
  return `<img class="tile" src="${dataUrl(image)}" width="${image.width * 3}" height="${image.height * 3}" alt="${escapeHtml(title)}" title="${escapeHtml(title)}">`;
}

// The grid of tiles is wider than a phone's screen: it scrolls sideways in its own box (.wide) while the page keeps
// the window's width, and its column heads wrap inside their columns (at the capitals of the analyzers' names, and
// inside a word only where it would not fit) instead of running over their neighbours.
const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #222; }
@media (max-width: 600px) { body { margin: 1em; } }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
.wide { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; }
th, td { padding: 3px 6px; text-align: center; vertical-align: middle; }
thead th { font-weight: 600; font-size: 12px; vertical-align: bottom; overflow-wrap: break-word; }
.grid thead th { max-width: 96px; }
.grid td { border-top: 1px solid #ddd; }
.scores td, .scores th { border-bottom: 1px solid #ddd; text-align: right; }
.scores td:first-child, .scores th:first-child { text-align: left; }
.tile { image-rendering: pixelated; display: block; margin: 0 auto; }
.wrong { color: #b2182b; font-weight: 600; }
.baseline td { color: #666; font-style: italic; }
.note { color: #555; max-width: 60em; overflow-wrap: break-word; }
.montage { max-width: 100%; height: auto; image-rendering: pixelated; }
`;

/** A column head that may wrap between the words of a CamelCase name (`Epsilon<wbr>Plus<wbr>Flat`). */
function head(name: string): string {
  return escapeHtml(name).replace(/([a-z0-9])(?=[A-Z])/g, '$1<wbr>');
}

function f3(v: number): string {
  return v.toFixed(3);
}

/** The demo's report as one self-contained HTML page (the tiles are inline PNGs). */
export function demoHtml(r: DemoReport): string {
  const heads = [
    '<th>image</th><th>true</th><th>predicted</th>',
    ...r.columns.map((c) => `<th>${head(c.name)}</th>`),
  ].join('');
  const body = r.rows
    .map((row, i) => {
      const wrong = row.label !== row.predicted;
      const cells = r.columns.map((c) => {
        const mass = c.scores.relevanceMassAccuracy.perSample[i]!;
        const feature = c.features ? `, channel ${c.features[i]}` : '';
        return `<td>${img(c.maps[i]!, `${c.name}${feature}: relevance mass accuracy ${f3(mass)}`)}<small>${f3(mass)}${feature ? `<br>ch ${c.features![i]}` : ''}</small></td>`;
      });
      return `<tr><td>${img(r.inputs[i]!, `image ${i}: ${row.label}`)}</td><td>${escapeHtml(row.label)}</td><td${wrong ? ' class="wrong"' : ''}>${escapeHtml(row.predicted)}<br><small>${(100 * row.probability).toFixed(1)} %</small></td>${cells.join('')}</tr>`;
    })
    .join('\n');
  const scoreRow = (name: string, s: LocalizationScores, seconds: string, cls = '') =>
    `<tr${cls}><td>${escapeHtml(name)}</td><td>${f3(s.relevanceMassAccuracy.mean)}</td><td>${f3(s.relevanceRankAccuracy.mean)}</td><td>${f3(s.pointingGame.mean)}</td><td>${seconds}</td></tr>`;
  const scores = [
    ...r.columns.map((c) => scoreRow(c.name, c.scores, `${c.seconds.toFixed(2)} s`)),
    scoreRow('random attribution (baseline)', r.baseline, '', ' class="baseline"'),
  ].join('\n');
  const correct = r.rows.filter((row) => row.label === row.predicted).length;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>xai-ts demo: explaining the demo CNN</title>
<style>${STYLE}</style>
</head>
<body>
<h1>xai-ts demo: explaining the demo CNN</h1>
<p class="note">The shipped demo model of <code>@xai-ts/zoo</code> (a small CNN that tells circles, squares,
triangles, crosses and rings apart) classifies ${r.n} images of <code>demoDataset({ n: ${r.n}, seed: ${r.seed} })</code>
(${correct} of ${r.n} correct). Every analyzer explains the predicted class of each image: the five LRP preset
composites, CRP (the ${r.columns.filter((c) => c.name.startsWith('CRP')).length} most relevant channels of the last
convolution, under EpsilonPlusFlat) and the gradient methods. Red is positive relevance, blue negative; gradient
magnitudes use <code>inferno</code>, Grad-CAM is laid over the image. Backend <code>${escapeHtml(r.backend)}</code>,
${r.seconds.toFixed(1)} s.</p>

<h2>Heatmaps</h2>
<p class="note">Under each map: its relevance mass accuracy, the share of the positive relevance that lies on the
object.</p>
<div class="wide"><table class="grid">
<thead><tr>${heads}</tr></thead>
<tbody>
${body}
</tbody>
</table></div>

<h2>Scores against the objects' masks</h2>
<div class="wide"><table class="scores">
<thead><tr><th>analyzer</th><th>relevance mass accuracy</th><th>relevance rank accuracy</th><th>pointing game</th><th>time</th></tr></thead>
<tbody>
${scores}
</tbody>
</table></div>
<p class="note">Means over the ${r.n} images, from <code>localizationMetrics</code> of <code>@xai-ts/metrics</code>
with the dataset's object masks. Relevance mass accuracy: the share of positive relevance on the object; rank
accuracy: the share of the K most relevant pixels on the object (K the object's size); pointing game: whether the
most relevant pixel is on the object. Relevance is summed over the colour channels; gradient magnitudes
(Gradient, SmoothGrad) are scored by their per-pixel norm, as their heatmaps show them. A random attribution scores
about the objects' share of the image.</p>

<h2>Montage</h2>
<p><img class="montage" src="${escapeHtml(r.montageFile)}" alt="montage: rows images, columns analyzers"></p>
</body>
</html>
`;
}
