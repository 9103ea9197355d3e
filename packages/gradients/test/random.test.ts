import { describe, expect, it } from 'vitest';
import { NormalStream } from '../src/random.js';

describe('NormalStream', () => {
  it('is reproducible from its seed and differs between seeds', () => {
    const a = new NormalStream(7).fill(new Float32Array(1000), 1);
    const b = new NormalStream(7).fill(new Float32Array(1000), 1);
    const c = new NormalStream(8).fill(new Float32Array(1000), 1);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('draws standard normal numbers scaled by std', () => {
    const n = 200_000;
    const z = new NormalStream(123).fill(new Float32Array(n), 2);
    let sum = 0;
    let sq = 0;
    let inOneSigma = 0;
    for (const v of z) {
      sum += v;
      sq += v * v;
      if (Math.abs(v) < 2) inOneSigma++;
    }
    const mean = sum / n;
    const std = Math.sqrt(sq / n - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.02); // 5 standard errors
    expect(Math.abs(std - 2)).toBeLessThan(0.02);
    expect(Math.abs(inOneSigma / n - 0.682689)).toBeLessThan(0.006);
  });

  it('is the same sequence however it is split', () => {
    const whole = new NormalStream(5).fill(new Float32Array(11), 1);
    const s = new NormalStream(5);
    const parts = [...s.fill(new Float32Array(3), 1), ...s.fill(new Float32Array(8), 1)];
    expect(parts).toEqual(Array.from(whole));
  });
});
