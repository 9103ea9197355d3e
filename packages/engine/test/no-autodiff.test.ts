import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// No analyzer path may use TF.js's autodiff: its gradients are wrong for `same` average pooling and for upsampling of
// batches, and missing on wasm for depthwise and dilated convolutions. Every backward step is a layer kind's
// explicit vector-Jacobian product.
const packages = fileURLToPath(new URL('../../', import.meta.url));
const analyzerPackages = ['engine', 'lrp', 'crp', 'gradients', 'workers', 'backend-node', 'metrics', 'cli'];
const autodiff =
  /\btf\s*\.\s*(grad|grads|valueAndGrad|valueAndGrads|variableGrads|customGrad)\s*\(|\b(grad|grads|valueAndGrad|valueAndGrads|variableGrads|customGrad)\s*\(\s*\(/;

/** Whether a source line calls autodiff (comments left out: they may say "never tf.grad(…)"). */
function callsAutodiff(line: string): boolean {
  return autodiff.test(line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, ''));
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|js|mjs)$/.test(name) ? [path] : [];
  });
}

describe('no autodiff on an analyzer path', () => {
  it.each(analyzerPackages)(
    '%s/src calls no tf.grad, tf.grads, tf.valueAndGrad(s), variableGrads or customGrad',
    (pkg) => {
      const files = sources(join(packages, pkg, 'src'));
      expect(files.length).toBeGreaterThan(0);
      const offenders = files.flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line, i) => ({
            line: line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, ''),
            at: `${file}:${i + 1}`,
          }))
          .filter(({ line }) => autodiff.test(line))
          .map(({ at }) => at),
      );
      expect(offenders).toEqual([]);
    },
  );

  it('the check itself finds a call', () => {
    expect(callsAutodiff('const g = tf.grad((x) => f(x));')).toBe(true);
    expect(callsAutodiff('const [a] = tf.grads(f)([x]);')).toBe(true);
    expect(callsAutodiff('  return tf . valueAndGrad(f)(x);')).toBe(true);
    expect(callsAutodiff('x = 1; // never tf.grad(f)')).toBe(false);
    expect(callsAutodiff(' * its gradient, tf.grad(f), is wrong')).toBe(false);
  });
});
