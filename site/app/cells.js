// The 100 m cells of EGMS Ortho (L3): its values are cells of a 100 m grid in ETRS89-LAEA
// (EPSG:3035), one point at each cell's centre. Which cell holds a place (the grid itself, not a
// distance), and the cell's shape on a Web Mercator map, drawn as a signed distance field image
// that a MapLibre symbol layer stretches with the zoom (layers.js). Pure: no DOM, no map.

export const CELL_M = 100;

// EPSG:3035: GRS80, origin 52° N 10° E, false easting/northing (Snyder 1987, p. 187). Positions
// are taken as ETRS89 as they are, as the build does (pyproj, EPSG:3035 -> EPSG:4326).
const A = 6378137;
const FLATTENING = 1 / 298.257222101;
const E2 = FLATTENING * (2 - FLATTENING);
const E = Math.sqrt(E2);
const LON0 = 10;
const LAT0 = 52;
const FALSE_EASTING = 4321000;
const FALSE_NORTHING = 3210000;
const RAD = Math.PI / 180;

function authalic(sinLat) {
  return (1 - E2) * (sinLat / (1 - E2 * sinLat ** 2) - Math.log((1 - E * sinLat) / (1 + E * sinLat)) / (2 * E));
}

const QP = authalic(1);
const RQ = A * Math.sqrt(QP / 2);
const BETA0 = Math.asin(authalic(Math.sin(LAT0 * RAD)) / QP);
const D = (A * Math.cos(LAT0 * RAD)) / Math.sqrt(1 - E2 * Math.sin(LAT0 * RAD) ** 2) / (RQ * Math.cos(BETA0));

/** [easting, northing] in EPSG:3035 metres of a lon/lat in degrees. */
export function laea(lon, lat) {
  const beta = Math.asin(authalic(Math.sin(lat * RAD)) / QP);
  const dLon = (lon - LON0) * RAD;
  const b = RQ * Math.sqrt(2 / (1 + Math.sin(BETA0) * Math.sin(beta) + Math.cos(BETA0) * Math.cos(beta) * Math.cos(dLon)));
  return [
    FALSE_EASTING + b * D * Math.cos(beta) * Math.sin(dLon),
    FALSE_NORTHING + (b / D) * (Math.cos(BETA0) * Math.sin(beta) - Math.sin(BETA0) * Math.cos(beta) * Math.cos(dLon)),
  ];
}

/** [easting, northing] of the centre of the grid cell that holds lon/lat. */
export function cellCentre(lon, lat) {
  return laea(lon, lat).map((metres) => Math.floor(metres / CELL_M) * CELL_M + CELL_M / 2);
}

/** A string naming the grid cell that holds lon/lat (equal for the points of one cell). */
export function cellKey(lon, lat) {
  return cellCentre(lon, lat).join(' ');
}

/** Whether a manifest layer's points are cells of the grid (EGMS Ortho, L3). */
export function isCellLayer(layer) {
  return layer?.level === 'L3';
}

/** What one of the layer's points is, for the point panel: "100 m cell" for L3, else "Point". */
export function pointKind(layer) {
  return isCellLayer(layer) ? `${CELL_M} m cell` : 'Point';
}

/**
 * Whether the cell centred at (centreLon, centreLat) holds (lon, lat): |dx| and |dy| <= 50 m
 * along the grid's own axes (EPSG:3035 metres, not local east/north metres, which turn by up to
 * ±15° from the grid across Europe and differ in scale by up to ~1.5 %).
 */
export function cellHolds(centreLon, centreLat, lon, lat) {
  const [cx, cy] = laea(centreLon, centreLat);
  const [x, y] = laea(lon, lat);
  return Math.abs(x - cx) <= CELL_M / 2 && Math.abs(y - cy) <= CELL_M / 2;
}

/**
 * The cell around lon/lat on a Web Mercator map at zoom 0 (a 512 px world, y down): its edges,
 * 100 m of grid easting and 100 m of grid northing, as screen vectors {east: [x, y], north: [x,
 * y]}. From the projection's derivatives at lon/lat: exact there; over a map view at the zooms
 * cells are drawn (a few km) the grid turns and scales by less than 0.1 %.
 */
export function cellAxes(lon, lat) {
  const h = 1e-4; // degrees
  const [xe, ye] = laea(lon + h, lat);
  const [xw, yw] = laea(lon - h, lat);
  const [xn, yn] = laea(lon, lat + h);
  const [xs, ys] = laea(lon, lat - h);
  // metres per degree: [[dx/dlon, dx/dlat], [dy/dlon, dy/dlat]], inverted for degrees per metre
  const [a, b, c, d] = [(xe - xw) / (2 * h), (xn - xs) / (2 * h), (ye - yw) / (2 * h), (yn - ys) / (2 * h)];
  const det = a * d - b * c;
  const pxPerDegree = 512 / 360;
  const mercator = 1 / Math.cos(lat * RAD); // screen y per degree of latitude, relative to x
  const screen = (dLon, dLat) => [dLon * pxPerDegree, -dLat * pxPerDegree * mercator];
  return {
    east: screen((CELL_M * d) / det, (-CELL_M * c) / det),
    north: screen((-CELL_M * b) / det, (CELL_M * a) / det),
  };
}

/** A cell's width in px at zoom 0 (the larger side of its box on the screen). */
export function cellSpan(axes) {
  const { east, north } = axes;
  return Math.max(Math.abs(east[0]) + Math.abs(north[0]), Math.abs(east[1]) + Math.abs(north[1]));
}

/** The zoom at which a cell is `px` wide on the screen. */
export function zoomForCellPx(axes, px) {
  return Math.log2(px / cellSpan(axes));
}

// The image: a cell SPAN units wide (1 unit = 1 px at icon-size 1) in a square of SPAN + 2
// MARGIN units, at PIXEL_RATIO texels a unit. MapLibre's SDF shader puts the edge at 0.75 and
// smooths over ±0.105/icon-size of a value: a slope of 1/8 a unit makes that ±0.84 px at any
// size, and icon-size stays ≥ 0.35 while cells are drawn (≥ 6 px), so the smoothing never runs
// past the image's margin or its 0..1 range. Texels are fine enough for cells up to ~2000 px
// (zoom 20) with sharp corners.
export const SDF = { SPAN: 16, MARGIN: 4, PIXEL_RATIO: 8, EDGE: 0.75, SLOPE: 1 / 8 };

/**
 * The cell as an SDF image for map.addImage(id, image, {sdf: true, pixelRatio}): {width, height,
 * data (RGBA, the distance in alpha), pixelRatio, iconSize (at zoom 0)}. The parallelogram of
 * `axes`, north up, its box SPAN units wide.
 */
export function cellImage(axes) {
  const { SPAN, MARGIN, PIXEL_RATIO, EDGE, SLOPE } = SDF;
  const units = SPAN / cellSpan(axes); // image units per px at zoom 0
  const size = (SPAN + 2 * MARGIN) * PIXEL_RATIO;
  const edges = [axes.east, axes.north].map(([x, y], i, both) => {
    const normal = [-y / Math.hypot(x, y), x / Math.hypot(x, y)];
    const [ox, oy] = both[1 - i]; // the other edge vector: the distance between these two sides
    return { normal, half: (Math.abs(normal[0] * ox + normal[1] * oy) * units) / 2 };
  });
  const data = new Uint8ClampedArray(size * size * 4);
  const middle = size / 2;
  for (let row = 0; row < size; row += 1) {
    for (let column = 0; column < size; column += 1) {
      const [x, y] = [(column + 0.5 - middle) / PIXEL_RATIO, (row + 0.5 - middle) / PIXEL_RATIO];
      // the distance beyond the farther pair of sides: corners stay sharp at every level
      const distance = Math.max(...edges.map(({ normal, half }) => Math.abs(normal[0] * x + normal[1] * y) - half));
      data[(row * size + column) * 4 + 3] = Math.round(255 * (EDGE - distance * SLOPE));
    }
  }
  return { width: size, height: size, data, pixelRatio: PIXEL_RATIO, iconSize: 1 / units };
}

/** icon-size that makes the image a cell wide at every zoom (exact: exponential, base 2). */
export function cellIconSize(image) {
  const top = 24;
  return ['interpolate', ['exponential', 2], ['zoom'], 0, image.iconSize, top, image.iconSize * 2 ** top];
}
