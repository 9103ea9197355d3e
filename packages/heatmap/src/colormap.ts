import {
  interpolateInferno,
  interpolateMagma,
  interpolatePlasma,
  interpolateViridis,
  schemeBlues,
  schemeBrBG,
  schemeGreys,
  schemePiYG,
  schemePuOr,
  schemeRdBu,
  schemeRdYlBu,
  schemeReds,
} from 'd3-scale-chromatic';
import * as crameri from './crameri.js';
import { HeatmapOptionError } from './errors.js';
import * as mpl from './matplotlib.js';

/** An RGB colour with channels in 0..255. */
export type RGB = readonly [r: number, g: number, b: number];

/** A palette entry: `[r, g, b]` with channels in 0..255, or a hex string `'#rrggbb'` / `'#rgb'`. */
export type PaletteColor = RGB | string;

/**
 * Colours spread evenly over [0, 1] and interpolated linearly, first colour at 0, last at 1.
 *
 * @example
 * ```ts
 * const palette: Palette = ['#2166ac', [247, 247, 247], '#b2182b'];
 * heatmap(expl, { colormap: palette });
 * ```
 */
export type Palette = readonly PaletteColor[];

/** A colormap control point: a position in [0, 1] and its colour. */
export interface ColormapStop {
  /** The position in [0, 1]. */
  readonly at: number;
  /** The colour there, channels in 0..255. */
  readonly color: RGB;
}

/**
 * The built-in colormaps; append `_r` to any of them for its reverse (`'RdBu_r'`). Diverging: seismic, bwr,
 * coolwarm, RdBu, PuOr, PiYG, BrBG, RdYlBu (matplotlib / ColorBrewer), berlin, vik (Crameri). Sequential:
 * viridis, inferno, magma, plasma (matplotlib), batlow (Crameri), grays (black to white), Greys (white to black),
 * Reds, Blues (ColorBrewer), jet.
 *
 * @example
 * ```ts
 * for (const name of colormapNames) console.log(name, getColormap(name).at(0));
 * ```
 */
export const colormapNames = [
  'seismic',
  'bwr',
  'coolwarm',
  'RdBu',
  'PuOr',
  'PiYG',
  'BrBG',
  'RdYlBu',
  'berlin',
  'vik',
  'viridis',
  'inferno',
  'magma',
  'plasma',
  'batlow',
  'grays',
  'Greys',
  'Reds',
  'Blues',
  'jet',
] as const;

/**
 * The name of a built-in colormap (see {@link colormapNames}).
 *
 * @example
 * ```ts
 * const name: ColormapName = 'berlin';
 * ```
 */
export type ColormapName = (typeof colormapNames)[number];

/**
 * What the `colormap` option accepts: a built-in name (case-insensitive, `_r` reverses it), a {@link Palette}, or a
 * {@link Colormap}.
 *
 * @example
 * ```ts
 * const specs: ColormapSpec[] = ['seismic', 'RdBu_r', ['#0000ff', '#ffffff', '#ff0000']];
 * ```
 */
export type ColormapSpec = ColormapName | `${ColormapName}_r` | (string & {}) | Palette | Colormap;

/**
 * A colormap: colours at positions in [0, 1], interpolated linearly in RGB between neighbouring stops. Results
 * are rounded to integers (halves up).
 *
 * @example
 * ```ts
 * const cmap = getColormap('seismic');
 * cmap.at(0.5);                                        // [255, 255, 255]
 * Colormap.fromPalette(['#000000', '#ff0000']).at(0.5); // [128, 0, 0]
 * ```
 */
export class Colormap {
  /** A name for messages and for {@link Colormap.reversed} (`name_r`). */
  readonly name: string;
  readonly #at: Float64Array;
  readonly #rgb: Float64Array;
  readonly #even: boolean;

  /**
   * @param name - a name for the colormap
   * @param stops - at least two stops with positions rising from 0 to 1 (equal positions make a hard edge)
   * @throws {@link HeatmapOptionError} for fewer than two stops, positions out of order or not spanning [0, 1],
   *   or colours outside 0..255
   */
  constructor(name: string, stops: readonly ColormapStop[]) {
    if (!Array.isArray(stops) || stops.length < 2)
      throw new HeatmapOptionError(`colormap '${name}' needs at least two stops, got ${stops?.length ?? 0}`);
    const n = stops.length;
    this.#at = new Float64Array(n);
    this.#rgb = new Float64Array(3 * n);
    stops.forEach((stop, i) => {
      const at = stop.at;
      if (!(at >= 0 && at <= 1) || (i > 0 && at < this.#at[i - 1]!))
        throw new HeatmapOptionError(
          `colormap '${name}': stop ${i} is at ${at}; positions must rise from 0 to 1`,
        );
      this.#at[i] = at;
      checkRgb(stop.color, `colormap '${name}', stop ${i}`);
      this.#rgb.set(stop.color, 3 * i);
    });
    if (this.#at[0] !== 0 || this.#at[n - 1] !== 1)
      throw new HeatmapOptionError(
        `colormap '${name}' spans [${this.#at[0]}, ${this.#at[n - 1]}]; the first stop must be at 0 and the last at 1`,
      );
    this.#even = this.#at.every((a, i) => Math.abs(a - i / (n - 1)) < 1e-12);
    this.name = name;
  }

  /**
   * A colormap of evenly spaced colours.
   *
   * @param colors - at least two colours, `[r, g, b]` in 0..255 or `'#rrggbb'`
   * @param name - a name for messages
   *
   * @example
   * ```ts
   * const redGreen = Colormap.fromPalette(['#ff0000', [255, 255, 255], '#00ff00'], 'red-green');
   * ```
   */
  static fromPalette(colors: Palette, name = 'custom'): Colormap {
    if (!Array.isArray(colors) || colors.length < 2)
      throw new HeatmapOptionError(
        `a palette needs at least two colours ([r, g, b] in 0..255 or '#rrggbb'), got ${Array.isArray(colors) ? colors.length : String(colors)}`,
      );
    const last = colors.length - 1;
    return new Colormap(
      name,
      colors.map((c, i) => ({ at: i / last, color: parseColor(c, `palette entry ${i}`) })),
    );
  }

  /** The number of stops. */
  get size(): number {
    return this.#at.length;
  }

  /** A copy of the stops. */
  get stops(): ColormapStop[] {
    return Array.from(this.#at, (at, i) => ({
      at,
      color: [this.#rgb[3 * i]!, this.#rgb[3 * i + 1]!, this.#rgb[3 * i + 2]!] as const,
    }));
  }

  /**
   * The colour at `t`, clamped to [0, 1], as integers in 0..255.
   *
   * @example
   * ```ts
   * getColormap('grays').at(0.25); // [64, 64, 64]
   * ```
   */
  at(t: number): [number, number, number] {
    const out = new Uint8ClampedArray(3);
    this.write(t, out, 0);
    return [out[0]!, out[1]!, out[2]!];
  }

  /**
   * Writes the colour at `t` (clamped to [0, 1]; NaN counts as 0) into `out[offset..offset+2]`.
   *
   * @example
   * ```ts
   * const px = new Uint8ClampedArray(4);
   * getColormap('viridis').write(1, px, 0); // px = [253, 231, 37, 0]
   * ```
   */
  write(t: number, out: Uint8ClampedArray, offset: number): void {
    const at = this.#at;
    const rgb = this.#rgb;
    const n = at.length;
    const x = t > 0 ? Math.min(t, 1) : 0; // NaN -> 0
    let k: number;
    let f: number;
    if (this.#even) {
      const pos = x * (n - 1);
      k = Math.min(Math.floor(pos), n - 2);
      f = pos - k;
    } else {
      let lo = 0;
      let hi = n - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (at[mid]! <= x) lo = mid;
        else hi = mid;
      }
      k = lo;
      const span = at[k + 1]! - at[k]!;
      f = span > 0 ? (x - at[k]!) / span : 1;
    }
    const a = 3 * k;
    for (let c = 0; c < 3; c++) {
      const v0 = rgb[a + c]!;
      out[offset + c] = Math.round(v0 + (rgb[a + 3 + c]! - v0) * f);
    }
  }

  /**
   * The same colours in reverse order, named `name_r` (or `name` without its `_r`).
   *
   * @example
   * ```ts
   * getColormap('RdBu').reversed().name; // 'RdBu_r'
   * ```
   */
  reversed(): Colormap {
    const name = this.name.endsWith('_r') ? this.name.slice(0, -2) : `${this.name}_r`;
    return new Colormap(
      name,
      this.stops.reverse().map((s) => ({ at: 1 - s.at, color: s.color })),
    );
  }
}

/**
 * Resolves a colormap: a built-in name (case-insensitive; a trailing `_r` reverses it), a palette of colours
 * (evenly spaced), or a {@link Colormap}.
 *
 * @throws {@link HeatmapOptionError} for an unknown name (the message lists the valid ones) or a malformed palette
 *
 * @example
 * ```ts
 * getColormap('RdBu_r').at(0); // [5, 48, 97], RdBu's dark blue end
 * getColormap(['#000000', '#ffffff']).at(0.5); // [128, 128, 128]
 * ```
 */
export function getColormap(spec: ColormapSpec): Colormap {
  if (spec instanceof Colormap) return spec;
  if (Array.isArray(spec)) return Colormap.fromPalette(spec);
  if (typeof spec !== 'string')
    throw new HeatmapOptionError(
      `colormap must be a name, a palette or a Colormap, got ${spec === null ? 'null' : typeof spec}`,
    );
  const cached = cache.get(spec);
  if (cached) return cached;
  const reverse = spec.length > 2 && spec.toLowerCase().endsWith('_r');
  let base = (reverse ? spec.slice(0, -2) : spec).toLowerCase();
  if (base === 'gray') base = 'grays'; // matplotlib's name for it
  const entry = builtins.find(([name]) => name.toLowerCase() === base);
  if (!entry)
    throw new HeatmapOptionError(
      `unknown colormap '${spec}'; use one of ${colormapNames.join(', ')} (append _r to reverse), or pass a palette of colours`,
    );
  const cmap = reverse ? entry[1]().reversed() : entry[1]();
  cache.set(spec, cmap);
  return cmap;
}

/**
 * Parses a palette colour: `'#rrggbb'`, `'#rgb'` or `[r, g, b]` with channels in 0..255.
 *
 * @param color - the colour
 * @param where - names the colour in error messages
 * @throws {@link HeatmapOptionError} when it is neither
 *
 * @example
 * ```ts
 * parseColor('#ff8000'); // [255, 128, 0]
 * ```
 */
export function parseColor(color: PaletteColor, where = 'colour'): RGB {
  if (typeof color === 'string') {
    const m = /^#([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(color.trim());
    if (!m)
      throw new HeatmapOptionError(`${where} '${color}' is not a hex colour; write '#rrggbb' or '#rgb'`);
    const hex = m[1]!.length === 3 ? [...m[1]!].map((c) => c + c).join('') : m[1]!;
    return [
      Number.parseInt(hex.slice(0, 2), 16),
      Number.parseInt(hex.slice(2, 4), 16),
      Number.parseInt(hex.slice(4, 6), 16),
    ];
  }
  checkRgb(color, where);
  return [color[0], color[1], color[2]];
}

function checkRgb(color: RGB, where: string): void {
  if (
    !Array.isArray(color) ||
    color.length !== 3 ||
    !color.every((v) => typeof v === 'number' && v >= 0 && v <= 255)
  )
    throw new HeatmapOptionError(
      `${where} is ${JSON.stringify(color)}; give [r, g, b] with each channel a number in 0..255`,
    );
}

const cache = new Map<string, Colormap>();

const from01 = (name: string, stops: readonly mpl.Stop01[]) =>
  new Colormap(
    name,
    stops.map(([at, r, g, b]) => ({ at, color: [r * 255, g * 255, b * 255] as const })),
  );

const fromHex = (name: string, hex: readonly string[]) => Colormap.fromPalette(hex, name);

const fromPacked = (name: string, packed: string) =>
  Colormap.fromPalette(
    Array.from({ length: packed.length / 6 }, (_, i) => `#${packed.slice(6 * i, 6 * i + 6)}`),
    name,
  );

// d3's 256-colour ramps return entry floor(t * 256), so t = i / 255 reads entry i exactly.
const fromRamp = (name: string, ramp: (t: number) => string) =>
  fromHex(
    name,
    Array.from({ length: 256 }, (_, i) => ramp(i / 255)),
  );

// ColorBrewer schemes (d3) are the palettes that matplotlib interpolates linearly for RdBu, Greys, etc.
const brewer = (name: string, schemes: readonly (readonly string[])[], classes: number) =>
  fromHex(name, schemes[classes]!);

const builtins: readonly (readonly [ColormapName, () => Colormap])[] = [
  ['seismic', () => from01('seismic', mpl.seismic)],
  ['bwr', () => from01('bwr', mpl.bwr)],
  [
    'coolwarm',
    () =>
      Colormap.fromPalette(
        mpl.coolwarm.map(([r, g, b]) => [r * 255, g * 255, b * 255] as const),
        'coolwarm',
      ),
  ],
  ['RdBu', () => brewer('RdBu', schemeRdBu, 11)],
  ['PuOr', () => brewer('PuOr', schemePuOr, 11)],
  ['PiYG', () => brewer('PiYG', schemePiYG, 11)],
  ['BrBG', () => brewer('BrBG', schemeBrBG, 11)],
  ['RdYlBu', () => brewer('RdYlBu', schemeRdYlBu, 11)],
  ['berlin', () => fromPacked('berlin', crameri.berlin)],
  ['vik', () => fromPacked('vik', crameri.vik)],
  ['viridis', () => fromRamp('viridis', interpolateViridis)],
  ['inferno', () => fromRamp('inferno', interpolateInferno)],
  ['magma', () => fromRamp('magma', interpolateMagma)],
  ['plasma', () => fromRamp('plasma', interpolatePlasma)],
  ['batlow', () => fromPacked('batlow', crameri.batlow)],
  ['grays', () => fromHex('grays', ['#000000', '#ffffff'])],
  ['Greys', () => brewer('Greys', schemeGreys, 9)],
  ['Reds', () => brewer('Reds', schemeReds, 9)],
  ['Blues', () => brewer('Blues', schemeBlues, 9)],
  ['jet', () => from01('jet', mpl.jet)],
];
