"""`--assets FILE`: motion per building, bridge or embankment.

`source` reads the user's file in batches (pyogrio, geopandas), checks and repairs it and buffers
lines and points; `assetset` holds every asset in space-filling-curve order. After the layers are
built, `step` joins each layer's points to the assets (`members`: point in polygon, read back from
the layer's chunks), computes the velocity statistics (`statistics`) and the mean series with its
±1σ band (`meanseries`), and writes the stats and series chunks, CSV, GeoPackage and tiles
(`outputs`).
"""
