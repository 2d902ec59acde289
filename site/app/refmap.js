// Re-referenced map colours: every ['get', 'velocity'] of the circle colour expression becomes
// velocity − reference velocity (for L2a only inside the reference's unit); L3 cells follow the
// circles (layers.setPointPaint). Whatever sets the colours (palette, range, layer switch), the
// reference is laid over it again on `styledata`.
import { setPointPaint } from './layers.js';

const VELOCITY = ['get', 'velocity'];

function isVelocity(node) {
  return Array.isArray(node) && node.length === 2 && node[0] === 'get' && node[1] === 'velocity';
}

/** `expression` with ['get', 'velocity'] replaced by `replacement` (a pure function). */
export function replaceVelocity(expression, replacement) {
  if (isVelocity(expression)) return replacement;
  if (!Array.isArray(expression)) return expression;
  if (expression[0] === 'literal') return expression;
  return expression.map((node) => replaceVelocity(node, replacement));
}

/** The velocity term for a reference {velocity, unit | null (all units)}. */
export function referencedVelocity(ref) {
  const shifted = ['-', VELOCITY, ref.velocity];
  if (ref.unit === null || ref.unit === undefined) return shifted;
  return ['case', ['==', ['get', 'unit'], ref.unit], shifted, VELOCITY];
}

/** Keeps layer `layerId`'s 'circle-color' re-referenced to `set(ref)` until `set(null)`. */
export function createMapReference(map, layerId, property = 'circle-color') {
  let ref = null;
  let original = null; // the expression as others set it
  let applied = null; // JSON of the expression we set

  function current() {
    return map.getLayer(layerId) ? map.getPaintProperty(layerId, property) : undefined;
  }

  function sync() {
    const now = current();
    if (now === undefined) return;
    const text = JSON.stringify(now);
    if (text !== applied) original = now; // someone else recoloured: that is the new base
    if (!ref) {
      if (applied !== null && text === applied) setPointPaint(map, layerId, property, original);
      applied = null;
      return;
    }
    const next = replaceVelocity(original, referencedVelocity(ref));
    const nextText = JSON.stringify(next);
    if (nextText === text) return;
    applied = nextText;
    setPointPaint(map, layerId, property, next);
  }

  map.on('styledata', () => {
    if ((ref || applied) && JSON.stringify(current()) !== applied) sync();
  });

  return {
    /** ref: {velocity (mm/yr), unit (int, or null for every unit)} or null to restore. */
    set(next) {
      ref = next && typeof next.velocity === 'number' ? next : null;
      sync();
    },
    get active() {
      return ref;
    },
  };
}
