"""How ustica-assets.gpkg was made (run it again to remake it): invented assets over the bundled
EGMS samples (Ustica), in UTM 33N (EPSG:32633), so the build must transform them: 40 building
footprints (rotated rectangles, 20-120 m), 3 roads (lines, buffered), 3 masts (points, buffered)
and one quay in the sea with no measurement point."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas
import numpy as np
from shapely.geometry import LineString, Point, Polygon

HERE = Path(__file__).parent
CRS = "EPSG:32633"


def rectangle(x: float, y: float, width: float, height: float, angle: float) -> Polygon:
    c, s = math.cos(angle), math.sin(angle)
    corners = [(-width / 2, -height / 2), (width / 2, -height / 2), (width / 2, height / 2),
               (-width / 2, height / 2)]  # fmt: skip
    return Polygon([(x + c * u - s * v, y + s * u + c * v) for u, v in corners])


def main() -> None:
    draw = np.random.default_rng(24)
    lonlat = geopandas.GeoSeries.from_xy(draw.uniform(13.158, 13.195, 40),
                                         draw.uniform(38.695, 38.716, 40), crs=4326)  # fmt: skip
    centres = lonlat.to_crs(CRS)
    names, kinds, shapes = [], [], []
    for index, centre in enumerate(centres):
        width, height = draw.uniform(20, 120, 2)
        shapes.append(rectangle(centre.x, centre.y, width, height, draw.uniform(0, math.pi)))
        names.append(f"Building {index + 1:02d}")
        kinds.append("building")
    roads = geopandas.GeoSeries([
        LineString([(13.160, 38.700), (13.175, 38.705), (13.190, 38.703)]),
        LineString([(13.170, 38.696), (13.172, 38.712)]),
        LineString([(13.180, 38.700), (13.186, 38.714), (13.193, 38.716)]),
    ], crs=4326).to_crs(CRS)  # fmt: skip
    masts = geopandas.GeoSeries.from_xy([13.165, 13.178, 13.188], [38.709, 38.699, 38.707],
                                        crs=4326).to_crs(CRS)  # fmt: skip
    quay = geopandas.GeoSeries([Point(13.150, 38.724).buffer(0.001)], crs=4326).to_crs(CRS)
    for number, road in enumerate(roads, 1):
        names.append(f"Road {number}"), kinds.append("road"), shapes.append(road)
    for number, mast in enumerate(masts, 1):
        names.append(f"Mast {number}"), kinds.append("mast"), shapes.append(mast)
    names.append("Quay (no point)"), kinds.append("quay"), shapes.append(quay.iloc[0])
    frame = geopandas.GeoDataFrame({"name": names, "type": kinds}, geometry=shapes, crs=CRS)
    frame.to_file(HERE / "ustica-assets.gpkg", driver="GPKG", layer="assets", engine="pyogrio")


if __name__ == "__main__":
    main()
