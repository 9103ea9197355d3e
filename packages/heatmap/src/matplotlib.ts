// Colormaps of matplotlib that are defined by a few control points (matplotlib's `_cm.py`; the colours are facts
// of the colormaps, in 0..1). Each entry is a list of [position, r, g, b] stops, interpolated linearly.

/** A control point: position in [0, 1] and an RGB colour in [0, 1]. */
export type Stop01 = readonly [at: number, r: number, g: number, b: number];

/** matplotlib's `seismic`: dark blue, blue, white, red, dark red at 0, ¼, ½, ¾, 1. */
export const seismic: readonly Stop01[] = [
  [0, 0, 0, 0.3],
  [0.25, 0, 0, 1],
  [0.5, 1, 1, 1],
  [0.75, 1, 0, 0],
  [1, 0.5, 0, 0],
];

/** matplotlib's `bwr`: blue, white, red. */
export const bwr: readonly Stop01[] = [
  [0, 0, 0, 1],
  [0.5, 1, 1, 1],
  [1, 1, 0, 0],
];

/**
 * matplotlib's `jet`, whose channels have their own breakpoints (red 0.35, 0.66, 0.89; green 0.125, 0.375, 0.64,
 * 0.91; blue 0.11, 0.34, 0.65), merged here into one list of stops so that linear interpolation is exact.
 */
export const jet: readonly Stop01[] = mergeChannels(
  [
    [0, 0],
    [0.35, 0],
    [0.66, 1],
    [0.89, 1],
    [1, 0.5],
  ],
  [
    [0, 0],
    [0.125, 0],
    [0.375, 1],
    [0.64, 1],
    [0.91, 0],
    [1, 0],
  ],
  [
    [0, 0.5],
    [0.11, 1],
    [0.34, 1],
    [0.65, 0],
    [1, 0],
  ],
);

/** Kenneth Moreland's diverging cool-warm map as matplotlib tabulates it: 33 evenly spaced colours. */
export const coolwarm: readonly (readonly [number, number, number])[] = [
  [0.2298057, 0.298717966, 0.753683153],
  [0.26623388, 0.353094838, 0.801466763],
  [0.30386891, 0.406535296, 0.84495867],
  [0.342804478, 0.458757618, 0.883725899],
  [0.38301334, 0.50941904, 0.917387822],
  [0.424369608, 0.558148092, 0.945619588],
  [0.46666708, 0.604562568, 0.968154911],
  [0.509635204, 0.648280772, 0.98478814],
  [0.552953156, 0.688929332, 0.995375608],
  [0.596262162, 0.726149107, 0.999836203],
  [0.639176211, 0.759599947, 0.998151185],
  [0.681291281, 0.788964712, 0.990363227],
  [0.722193294, 0.813952739, 0.976574709],
  [0.761464949, 0.834302879, 0.956945269],
  [0.798691636, 0.849786142, 0.931688648],
  [0.833466556, 0.860207984, 0.901068838],
  [0.865395197, 0.86541021, 0.865395561],
  [0.897787179, 0.848937047, 0.820880546],
  [0.924127593, 0.827384882, 0.774508472],
  [0.944468518, 0.800927443, 0.726736146],
  [0.958852946, 0.769767752, 0.678007945],
  [0.96732803, 0.734132809, 0.628751763],
  [0.969954137, 0.694266682, 0.579375448],
  [0.966811177, 0.650421156, 0.530263762],
  [0.958003065, 0.602842431, 0.481775914],
  [0.943660866, 0.551750968, 0.434243684],
  [0.923944917, 0.49730856, 0.387970225],
  [0.89904617, 0.439559467, 0.343229596],
  [0.869186849, 0.378313092, 0.300267182],
  [0.834620542, 0.312874446, 0.259301199],
  [0.795631745, 0.24128379, 0.220525627],
  [0.752534934, 0.157246067, 0.184115123],
  [0.705673158, 0.01555616, 0.150232812],
];

type Channel = readonly (readonly [at: number, value: number])[];

function mergeChannels(red: Channel, green: Channel, blue: Channel): Stop01[] {
  const positions = [...new Set([...red, ...green, ...blue].map(([at]) => at))].sort((a, b) => a - b);
  return positions.map((at) => [at, evalChannel(red, at), evalChannel(green, at), evalChannel(blue, at)]);
}

function evalChannel(channel: Channel, at: number): number {
  for (let i = 1; i < channel.length; i++) {
    const [a0, v0] = channel[i - 1]!;
    const [a1, v1] = channel[i]!;
    if (at <= a1) return v0 + ((at - a0) / (a1 - a0)) * (v1 - v0);
  }
  return channel[channel.length - 1]![1];
}
