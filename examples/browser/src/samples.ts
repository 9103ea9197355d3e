// The demo images the page offers (the end-to-end test draws the same ones, with their masks, in Node).
export const SAMPLES = { n: 10, seed: 7 } as const;
