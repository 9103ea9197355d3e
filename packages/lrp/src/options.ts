import type * as tf from '@tensorflow/tfjs';
import { LRPOptionError } from './errors.js';

/** How a value looks in an error message. */
export function shown(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array [${v.map(shown).join(', ')}]`;
  if (typeof v === 'object') return (v as object).constructor?.name === 'Object' ? 'an object' : String(v);
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}

/**
 * The options object given to `owner`: `{}` when none was given; an {@link LRPOptionError} when it is not a plain
 * object or names an option `owner` does not have (a misspelt option would otherwise be ignored silently).
 */
export function optionsOf<T extends object>(
  owner: string,
  given: unknown,
  allowed: readonly (keyof T & string)[],
  example: string,
): Partial<T> {
  if (given === undefined) return {};
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    throw new LRPOptionError(`${owner} takes an options object such as ${example}, got ${shown(given)}`);
  for (const key of Object.keys(given))
    if (!(allowed as readonly string[]).includes(key))
      throw new LRPOptionError(
        `${owner} has no option '${key}'; its options are ${allowed.length > 0 ? allowed.join(', ') : 'none'}`,
      );
  return given as Partial<T>;
}

/** A finite number ≥ `min`, or an {@link LRPOptionError} naming the owner and the option. */
export function finiteAtLeast(owner: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min)
    throw new LRPOptionError(`${owner} needs a finite ${name} ≥ ${min}, got ${shown(value)}`);
  return value;
}

/**
 * Whether a bound of shape `bound` broadcasts against a layer input of shape `input` (batch axis included, `null`
 * for free dimensions): right-aligned, each axis of the bound is 1 or the input's size.
 */
export function broadcasts(bound: readonly number[], input: readonly (number | null)[]): boolean {
  if (bound.length > input.length) return false;
  return bound.every((b, k) => {
    const size = input[input.length - bound.length + k];
    return b === 1 || (size !== null && size !== undefined && b === size);
  });
}

/** The shape of a tensor option, for messages. */
export function shapeOf(t: tf.Tensor): string {
  return `[${t.shape.join(', ')}]`;
}
