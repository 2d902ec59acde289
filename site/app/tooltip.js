// The hover tooltip: the pid and velocity of the point under the pointer (mouse only; a touch
// selects instead). Text only, through textContent.
import { POINT_LAYER_IDS, featureNear } from './layers.js';

const OFFSET_PX = 12;

function formatVelocity(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'no velocity';
  return `${value.toFixed(1).replace('-', '\u2212')} mm/yr`;
}

/** Show `pid · velocity` beside the pointer over a point of `map`. */
export function attachTooltip(map) {
  const tip = document.createElement('div');
  tip.className = 'map-tooltip';
  tip.setAttribute('role', 'tooltip');
  tip.hidden = true;
  map.getContainer().append(tip);
  map.on('mousemove', POINT_LAYER_IDS, (event) => {
    const feature = featureNear(map, event.point, 0); // a cell's hit box reaches into its neighbours
    if (!feature) return;
    tip.textContent = `${feature.properties.pid ?? feature.id} · ${formatVelocity(feature.properties.velocity)}`;
    tip.style.left = `${event.point.x + OFFSET_PX}px`;
    tip.style.top = `${event.point.y + OFFSET_PX}px`;
    tip.hidden = false;
  });
  map.on('mouseleave', POINT_LAYER_IDS, () => {
    tip.hidden = true;
  });
  return tip;
}
