import type { LayerKind } from './kind.js';
import { BUILTIN_KINDS } from './kinds/index.js';

const registry = new Map<string, LayerKind>(
  BUILTIN_KINDS.flatMap((kind) => kind.classNames.map((name) => [name, kind] as const)),
);

/**
 * Registers a layer kind for each of its class names (replacing what was registered before for them).
 *
 * @example
 * ```ts
 * registerLayerKind({ name: 'Scale', classNames: ['Scale'], groups: ['activation'], read: (layer) => readScale(layer) });
 * ```
 */
export function registerLayerKind(kind: LayerKind): void {
  for (const name of kind.classNames) registry.set(name, kind);
}

/**
 * The kind registered for a Keras class name, or undefined.
 *
 * @example
 * ```ts
 * layerKind('Conv2D')?.groups; // ['conv']
 * ```
 */
export function layerKind(className: string): LayerKind | undefined {
  return registry.get(className);
}

/**
 * The class names with a registered kind.
 *
 * @example
 * ```ts
 * registeredClassNames().includes('Dense'); // true
 * ```
 */
export function registeredClassNames(): string[] {
  return [...registry.keys()].sort();
}
