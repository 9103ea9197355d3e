import { AnalyzerOptionError } from './errors.js';

/** Checks a sample or step count: a positive integer, at least `min`. */
export function checkCount(owner: string, name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min)
    throw new AnalyzerOptionError(
      `${owner}: ${name} must be an integer ≥ ${min}, got ${value}${min > 1 ? ` (the rule needs at least ${min} points)` : ''}`,
    );
  return value;
}

/** Checks a noise standard deviation: finite and ≥ 0. */
export function checkStd(owner: string, std: number): number {
  if (typeof std !== 'number' || !Number.isFinite(std) || std < 0)
    throw new AnalyzerOptionError(
      `${owner}: std must be a finite number ≥ 0, got ${std}; it is the standard deviation of the Gaussian noise ` +
        '(Smilkov et al. suggest 10–20 % of the input range, e.g. 0.15 * (max - min))',
    );
  return std;
}

/** Checks a seed: an integer (it is reduced to 32 bits). */
export function checkSeed(owner: string, seed: number | undefined): number | undefined {
  if (seed !== undefined && !Number.isInteger(seed))
    throw new AnalyzerOptionError(`${owner}: seed must be an integer, got ${seed}`);
  return seed;
}
