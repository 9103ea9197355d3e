import type { Explanation } from '@xai-ts/base';
import type { CRPExtras } from '@xai-ts/crp';
import { type ColormapSpec, type Heatmap, heatmap, overlay } from '@xai-ts/heatmap';

/** How explanations become pictures. */
export interface RenderOptions {
  /** A colormap name; default the explanation's preset's. */
  colormap?: ColormapSpec | undefined;
  /** Lay each map over its image; default: only class-activation maps (the `cam` preset). */
  overlay?: boolean | undefined;
}

/** One rendered map: the sample it belongs to, and for CRP the feature it shows. */
export interface RenderedMap {
  /** The sample of the batch. */
  readonly sample: number;
  /** The CRP feature id, for CRP explanations. */
  readonly feature?: number;
  /** The picture. */
  readonly image: Heatmap;
}

function isCRP(expl: Explanation): expl is Explanation<CRPExtras> {
  return Array.isArray((expl.extras as Partial<CRPExtras>).features);
}

/**
 * Renders every map of an explanation, overlaid on its sample's image where asked. CRP's maps come feature-major
 * (`k * N + n`); each is matched with its sample and feature id.
 *
 * @param expl - the explanation of `images.length` samples
 * @param images - each sample's picture in true colours, for overlays
 */
export function renderExplanation(
  expl: Explanation,
  images: readonly Heatmap[],
  options: RenderOptions = {},
): RenderedMap[] {
  const maps = heatmap(expl, {
    overlay: false,
    ...(options.colormap !== undefined ? { colormap: options.colormap } : {}),
  });
  const lay = options.overlay ?? expl.heatmap === 'cam';
  const n = images.length;
  const crp = isCRP(expl);
  return maps.map((map, row) => {
    const sample = row % n;
    const image = lay ? overlay(map, images[sample]!) : map;
    if (!crp) return { sample, image };
    const slot = Math.floor(row / n);
    const feature = (expl.extras as CRPExtras).features[sample]?.[slot];
    return feature === undefined ? { sample, image } : { sample, feature, image };
  });
}
