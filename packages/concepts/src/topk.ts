import { exactUnits, unitsToNumber } from './exact.js';

/**
 * One sample in a channel's top list: its dataset index, the value it was ranked by, and the position (row, column
 * at the layer's output) of the unit where the channel peaked on it (the receptive field's centre).
 *
 * @example
 * ```ts
 * const best: TopEntry = result.layers[0]!.relMax[7]![0]!; // channel 7's most relevant sample
 * console.log(best.sample, best.value, best.y, best.x);
 * ```
 */
export interface TopEntry {
  /** The sample's 0-based index in the dataset. */
  sample: number;
  /** The ranked value: the channel's relevance (RelMax) or its activation (ActMax). */
  value: number;
  /** Row of the peak unit at the layer's output. */
  y: number;
  /** Column of the peak unit at the layer's output. */
  x: number;
}

/**
 * Per-class statistics of one channel: over the samples explained for the class, how many there were, how many
 * gave the channel positive relevance, the exact sum of its relevance (in units of 2^-149, a BigInt, so that merging
 * is associative) and its maximum.
 *
 * @example
 * ```ts
 * const s: ClassStat = result.layers[0]!.classes[7]!.get(2)!; // channel 7, class 2
 * const mean = classMean(s); // sum / count
 * ```
 */
export interface ClassStat {
  /** Samples explained for the class. */
  count: number;
  /** Of those, how many gave the channel relevance above 0. */
  positive: number;
  /** The exact sum of the channel's relevance over them, in units of 2^-149. */
  sum: bigint;
  /** The largest relevance of the channel over them. */
  max: number;
}

/**
 * What mining found for one layer: per channel, the top samples by relevance and by activation, and per explained
 * class the channel's statistics.
 *
 * @example
 * ```ts
 * const conv3 = result.layers.find((l) => l.layer === 'conv3')!;
 * conv3.relMax[5]!.map((e) => e.sample); // the samples that make channel 5 most relevant
 * ```
 */
export interface LayerFindings {
  /** The layer's name. */
  layer: string;
  /** Its number of channels. */
  channels: number;
  /** Per channel, at most `top` entries, value descending, then sample index ascending. */
  relMax: TopEntry[][];
  /** Per channel, at most `top` entries by activation (max over positions), same order. */
  actMax: TopEntry[][];
  /** Per channel, class → statistics. */
  classes: Map<number, ClassStat>[];
}

/**
 * What mining a set of samples found: per layer {@link LayerFindings}, and per sample the explained class. Results of
 * disjoint sets merge exactly with {@link mergeFindings}.
 *
 * @example
 * ```ts
 * const all = mergeFindings(shardA, shardB, 16); // the same as mining both shards at once
 * ```
 */
export interface Findings {
  /** How many entries each top list keeps. */
  top: number;
  /** The mined layers, in the order they were asked for. */
  layers: LayerFindings[];
}

/**
 * The order of top lists: value descending, then sample index ascending (deterministic ties).
 *
 * @example
 * ```ts
 * entries.sort(compareEntries);
 * ```
 */
export function compareEntries(a: TopEntry, b: TopEntry): number {
  return b.value - a.value || a.sample - b.sample;
}

/**
 * The `k` best of two top lists (each already in {@link compareEntries} order, of disjoint samples). Exact,
 * associative and commutative: merging shards in any grouping or order gives the same list.
 *
 * @example
 * ```ts
 * mergeTop([{ sample: 3, value: 2, y: 0, x: 0 }], [{ sample: 1, value: 2, y: 1, x: 1 }], 1); // sample 1 (tie)
 * ```
 */
export function mergeTop(a: readonly TopEntry[], b: readonly TopEntry[], k: number): TopEntry[] {
  const out: TopEntry[] = [];
  let i = 0;
  let j = 0;
  while (out.length < k && (i < a.length || j < b.length)) {
    if (j >= b.length || (i < a.length && compareEntries(a[i]!, b[j]!) <= 0)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

/**
 * The mean relevance of a channel over the samples of a class (the exact sum divided by the count).
 *
 * @example
 * ```ts
 * classMean({ count: 2, positive: 1, sum: exactUnits(3) + exactUnits(-1), max: 3 }); // 1
 * ```
 */
export function classMean(stat: ClassStat): number {
  return stat.count ? unitsToNumber(stat.sum) / stat.count : 0;
}

/** Adds one observation to a channel's statistics of a class. */
export function observe(stats: Map<number, ClassStat>, cls: number, relevance: number): void {
  const s = stats.get(cls);
  const units = exactUnits(relevance);
  if (!s) stats.set(cls, { count: 1, positive: relevance > 0 ? 1 : 0, sum: units, max: relevance });
  else {
    s.count++;
    if (relevance > 0) s.positive++;
    s.sum += units;
    if (relevance > s.max) s.max = relevance;
  }
}

/**
 * The statistics of two disjoint sets of samples, combined exactly (counts and BigInt sums add, maxima take the
 * larger): associative and commutative.
 *
 * @example
 * ```ts
 * const both = mergeClassStats(shardA.layers[0]!.classes[3]!, shardB.layers[0]!.classes[3]!);
 * ```
 */
export function mergeClassStats(
  a: ReadonlyMap<number, ClassStat>,
  b: ReadonlyMap<number, ClassStat>,
): Map<number, ClassStat> {
  const out = new Map<number, ClassStat>();
  for (const [cls, s] of a) out.set(cls, { ...s });
  for (const [cls, s] of b) {
    const t = out.get(cls);
    if (!t) out.set(cls, { ...s });
    else
      out.set(cls, {
        count: t.count + s.count,
        positive: t.positive + s.positive,
        sum: t.sum + s.sum,
        max: Math.max(t.max, s.max),
      });
  }
  return out;
}

/**
 * The findings of two disjoint sets of samples (shards) mined with the same layers, as if mined together: exact,
 * associative and commutative, so shards may be mined anywhere and merged in any order.
 *
 * @param top - the length of the merged top lists (default: the larger of the two)
 * @example
 * ```ts
 * const total = shards.reduce((acc, s) => mergeFindings(acc, s));
 * ```
 */
export function mergeFindings(a: Findings, b: Findings, top = Math.max(a.top, b.top)): Findings {
  if (a.layers.length !== b.layers.length || a.layers.some((l, i) => l.layer !== b.layers[i]!.layer))
    throw new RangeError(
      `cannot merge findings of different layers: [${a.layers.map((l) => l.layer)}] and [${b.layers.map((l) => l.layer)}]`,
    );
  return {
    top,
    layers: a.layers.map((la, i) => {
      const lb = b.layers[i]!;
      return {
        layer: la.layer,
        channels: la.channels,
        relMax: la.relMax.map((t, c) => mergeTop(t, lb.relMax[c]!, top)),
        actMax: la.actMax.map((t, c) => mergeTop(t, lb.actMax[c]!, top)),
        classes: la.classes.map((s, c) => mergeClassStats(s, lb.classes[c]!)),
      };
    }),
  };
}

/**
 * Findings of no samples for these layers: the identity of {@link mergeFindings}.
 *
 * @example
 * ```ts
 * const total = shards.reduce((acc, s) => mergeFindings(acc, s), emptyFindings([{ name: 'conv3', channels: 32 }], 16));
 * ```
 */
export function emptyFindings(layers: readonly { name: string; channels: number }[], top: number): Findings {
  return {
    top,
    layers: layers.map((l) => ({
      layer: l.name,
      channels: l.channels,
      relMax: Array.from({ length: l.channels }, () => []),
      actMax: Array.from({ length: l.channels }, () => []),
      classes: Array.from({ length: l.channels }, () => new Map()),
    })),
  };
}
