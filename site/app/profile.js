// Profiles (cross sections): the points within a buffer of a drawn polyline, projected onto it
// (distance along the line from its first vertex, signed offset from it), and their values in
// bins of distance. Pure: no DOM, no map.
//
// Projection: local equirectangular on the WGS84 ellipsoid about φ0, the middle of the line's
// latitudes: x = N(φ0)·cos φ0·(λ − λ0), y = M(φ0)·(φ − φ0), N and M the ellipsoid's radii of
// curvature at φ0. Its error is the scale of x away from φ0: cos φ / cos φ0 − 1, at most
// tan|φ0|·Δφ + Δφ² (Δφ: the largest latitude difference from φ0, radians), plus < 1e-5 from M
// and N changing with latitude. A 5 km north-south reach at 39° N (Δφ = 3.9e-4): ≤ 0.03 %, so
// 1.6 m on a 5 km line, ≤ 0.02 m on a 50 m offset. errorBound() gives the bound of a line.
import { describe } from './areastats.js';
import { valueAtDate } from './epochs.js';
import { niceStep } from './ticks.js';

const WGS84 = { a: 6_378_137, e2: 0.006_694_379_990_14 };
const RADIUS_DRIFT = 1e-5; // M and N change with latitude by < 3e²·Δφ: < 1e-5 for Δφ < 5e-4
const DEGREE = Math.PI / 180;
export const BUFFER = { default: 50, min: 10, max: 500 }; // metres
const BINS_AIMED = 20; // the default bin width cuts the line into at most this many bins
const MIN_BIN_M = 1;

/** The local frame of `line` ([[lon, lat], ...]): {lon0, lat0, kx, ky} (metres per degree). */
export function frameOf(line) {
  const lats = line.map(([, lat]) => lat);
  const lat0 = (Math.min(...lats) + Math.max(...lats)) / 2;
  const lons = line.map(([lon]) => lon);
  const lon0 = (Math.min(...lons) + Math.max(...lons)) / 2;
  const s = Math.sin(lat0 * DEGREE);
  const w = 1 - WGS84.e2 * s * s;
  const n = WGS84.a / Math.sqrt(w); // prime vertical radius of curvature
  const m = (WGS84.a * (1 - WGS84.e2)) / w ** 1.5; // meridian radius of curvature
  return { lon0, lat0, kx: n * Math.cos(lat0 * DEGREE) * DEGREE, ky: m * DEGREE };
}

/** [lon, lat] → [x, y] metres east and north of the frame's origin. */
export function toLocal(frame, [lon, lat]) {
  return [(lon - frame.lon0) * frame.kx, (lat - frame.lat0) * frame.ky];
}

/** [x, y] metres → [lon, lat]. */
export function fromLocal(frame, [x, y]) {
  return [frame.lon0 + x / frame.kx, frame.lat0 + y / frame.ky];
}

/** The line in the frame: {vertices: [[x, y]], starts: distance of each vertex, length}. */
export function pathOf(line, frame) {
  const vertices = line.map((p) => toLocal(frame, p));
  const starts = [0];
  for (let i = 1; i < vertices.length; i += 1) {
    const [a, b] = [vertices[i - 1], vertices[i]];
    starts.push(starts[i - 1] + Math.hypot(b[0] - a[0], b[1] - a[1]));
  }
  return { vertices, starts, length: starts[starts.length - 1] };
}

/**
 * Relative error bound of the frame's distances over the line and `buffer` m around it (see the
 * top of this file): tan|φ0|·Δφ + Δφ² + 1e-5.
 */
export function errorBound(line, frame, buffer = 0) {
  const reach = Math.max(...line.map(([, lat]) => Math.abs(lat - frame.lat0))) * DEGREE + buffer / (frame.ky / DEGREE);
  return Math.abs(Math.tan(frame.lat0 * DEGREE)) * reach + reach * reach + RADIUS_DRIFT;
}

/**
 * Where [x, y] is on `path`: {distance (along the line to the nearest place on it), offset
 * (from that place: positive right of the line walking from its first vertex to its last), gap
 * (|offset|), inside (within `buffer` of the line, the ends cut square: a flat-capped buffer
 * with round joins)}.
 */
export function placeOn(path, [x, y], buffer) {
  const { vertices, starts } = path;
  let best = null;
  let inside = false;
  for (let i = 1; i < vertices.length; i += 1) {
    const [[ax, ay], [bx, by]] = [vertices[i - 1], vertices[i]];
    const [dx, dy] = [bx - ax, by - ay];
    const span2 = dx * dx + dy * dy;
    const raw = span2 ? ((x - ax) * dx + (y - ay) * dy) / span2 : 0;
    const t = Math.min(1, Math.max(0, raw));
    const [qx, qy] = [ax + t * dx, ay + t * dy];
    const gap = Math.hypot(x - qx, y - qy);
    if (gap <= buffer && (raw === t || (raw < 0 && i > 1) || (raw > 1 && i < vertices.length - 1))) inside = true;
    if (!best || gap < best.gap) {
      const cross = dx * (y - ay) - dy * (x - ax); // > 0: left of the segment
      best = { distance: starts[i - 1] + t * Math.sqrt(span2), gap, offset: cross > 0 ? -gap : gap };
    }
  }
  return { ...best, inside };
}

/**
 * The value a profile plots of a point: {value, sigma}: its mean velocity ± σ (mm/yr), or for a
 * `quantity` {kind: 'displacement', from, at} its displacement from one date to the other (mm,
 * to 0.1 mm as EGMS writes it; no σ: EGMS gives none for one date's value).
 */
export function profileValue(member, quantity = null) {
  if (quantity?.kind === 'displacement') {
    const [from, at] = [quantity.from, quantity.at].map((d) => valueAtDate(member.dates, member.values, d));
    return { value: from === null || at === null ? null : Math.round((at - from) * 10) / 10, sigma: null };
  }
  const sigma = member.attributes?.velocity_std;
  return { value: member.velocity ?? null, sigma: typeof sigma === 'number' ? sigma : null };
}

/**
 * The members ({featureId, pid, unit, lon, lat, velocity, attributes, dates, values}) within
 * `buffer` m of `line`, each with {distance, offset} (m) and its profileValue of `quantity`, by
 * distance (then pid).
 */
export function projectMembers(members, line, buffer, quantity = null) {
  const frame = frameOf(line);
  const path = pathOf(line, frame);
  const out = [];
  for (const m of members) {
    const place = placeOn(path, toLocal(frame, [m.lon, m.lat]), buffer);
    if (!place.inside) continue;
    out.push({ ...m, distance: place.distance, offset: place.offset, ...profileValue(m, quantity) });
  }
  return out.sort((p, q) => p.distance - q.distance || String(p.pid).localeCompare(String(q.pid)));
}

/** A round bin width for a line `length` m long: 1, 2 or 5 × 10^n, at most 20 bins. */
export function defaultBinWidth(length) {
  return Math.max(MIN_BIN_M, niceStep(length, BINS_AIMED));
}

/**
 * Bins [k·width, (k+1)·width) from 0 to the line's `length` (the last one closed at it), each
 * {from, to, centre, n, mean, sd (n − 1; null below 2 points), sem (sd/√n)} of the points'
 * numeric values.
 */
export function binPoints(points, length, width) {
  const count = Math.max(1, Math.ceil(length / width - 1e-9));
  const values = Array.from({ length: count }, () => []);
  for (const p of points) {
    if (typeof p.value !== 'number' || !Number.isFinite(p.value)) continue;
    values[Math.min(count - 1, Math.max(0, Math.floor(p.distance / width)))].push(p.value);
  }
  return values.map((list, k) => {
    const from = k * width;
    const to = Math.min(length, (k + 1) * width);
    const { n, mean, sd } = describe(list);
    return { from, to, centre: (from + to) / 2, n, mean, sd, sem: sd === null ? null : sd / Math.sqrt(n) };
  });
}
