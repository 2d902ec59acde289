"""`--assets FILE`: motion per building, bridge or embankment.

`source` reads the user's file in batches (pyogrio, geopandas), checks and repairs it and buffers
lines and points; `store` spills every asset to scratch in space-filling-curve order, so the
steps after it hold one block of assets at a time. After the layers are
built, `step` joins each layer's points to the assets (`members`: point in polygon, read back from
the layer's chunks), computes the velocity statistics (`statistics`) and the mean series with its
±1σ band (`meanseries`), and writes the stats and series chunks, CSV, GeoPackage and tiles
(`outputs`).
"""
