// What a point's number measures: the line of sight of an L2 point (heading, incidence angle,
// look direction, the unit vector towards the satellite and what a vertical or eastward motion
// shows as along it), or the component of an L3 cell. Pure: no DOM.

const COMPASS = ['north', 'north-east', 'east', 'south-east', 'south', 'south-west', 'west', 'north-west'];
const MINUS = '\u2212';
const L3_COMPONENTS = {
  up: 'vertical motion, positive up (from ascending and descending orbits combined, 100 m grid)',
  east: 'east-west motion, positive east (from ascending and descending orbits combined, 100 m grid)',
};

function degrees(value) {
  return ((value % 360) + 360) % 360;
}

/** "west", "north-east": the 8-point compass word of an azimuth in degrees. */
export function compass(azimuth) {
  return COMPASS[Math.round(degrees(azimuth) / 45) % 8];
}

/**
 * The unit vector from the ground to the satellite {east, north, up} for an incidence angle θ
 * and a heading (track angle) α in degrees, Sentinel-1 looking right of its track:
 * east −sin θ·cos α, north sin θ·sin α, up cos θ (EGMS's los_east/north/up).
 */
export function losVector(incidence, heading) {
  const theta = (incidence * Math.PI) / 180;
  const alpha = (heading * Math.PI) / 180;
  return { east: -Math.sin(theta) * Math.cos(alpha), north: Math.sin(theta) * Math.sin(alpha), up: Math.cos(theta) };
}

function signed(value, decimals) {
  const text = Math.abs(value).toFixed(decimals);
  if (Number(text) === 0) return text;
  return `${value < 0 ? MINUS : '+'}${text}`;
}

function finite(value) {
  return typeof value === 'number' && Number.isFinite(value);
}

/** [label, value] rows of a point's measurement geometry (`attributes` from its chunk). */
export function geometryRows(layer, attributes = {}) {
  if (L3_COMPONENTS[layer.geometry]) return [['Measures', L3_COMPONENTS[layer.geometry]]];
  const rows = [];
  const heading = attributes.track_angle;
  const incidence = attributes.incidence_angle;
  if (finite(heading)) {
    const pass = degrees(heading) >= 90 && degrees(heading) < 270 ? 'descending' : 'ascending';
    rows.push(['Heading', `${degrees(heading).toFixed(1)}° (${pass}, flying ${compass(heading)})`]);
    const look = degrees(heading + 90);
    rows.push(['Looks', `${compass(look)} (${look.toFixed(0)}°), from the ${compass(look + 180)}`]);
  }
  if (finite(incidence)) rows.push(['Incidence angle', `${incidence.toFixed(1)}° from vertical`]);
  if (finite(heading) && finite(incidence)) {
    const los = losVector(incidence, heading);
    rows.push(['LOS vector (to the satellite)', `E ${signed(los.east, 3)}, N ${signed(los.north, 3)}, U ${signed(los.up, 3)}`]);
    rows.push(['1 mm/yr up shows as', `${signed(los.up, 2)} mm/yr`]);
    rows.push(['1 mm/yr east shows as', `${signed(los.east, 2)} mm/yr`]);
  }
  if (!rows.length) rows.push(['Measures', 'motion along the line of sight, positive towards the satellite']);
  return rows;
} // prettier-ignore

/** "38.693645, 13.153807": latitude, longitude in WGS84 degrees, 6 decimals (~0.1 m). */
export function coordinates(lat, lon) {
  return `${Number(lat).toFixed(6)}, ${Number(lon).toFixed(6)}`;
}
