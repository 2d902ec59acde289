"""Vector tiles of a point layer: which points each zoom shows, tippecanoe runs, one archive.

`grid` (the tile math: world coordinates, tile keys, quadkeys, the regions a big zoom is cut
into and which region owns a tile), `features` (the GeoJSON lines of the points, and the one
line copier), `zoomchoice` (the maximum zoom, before tiling), `density` (the points' spacing
and fullest tiles it is chosen from, by an external sort in bounded memory), `sampling` (the
nested sample each lower zoom shows), `balance` (the region runs' plan, of similar points),
`regioninputs` (the points per tile, and each region run's own feature file), `tippecanoe`
(the checked subprocess), `runs` (the plan of runs and its fallback, run by a local pool or by
the Dask build's tasks), `merge` (disjoint archives into one PMTiles, byte for byte), and
`directory` (its PMTiles directories and header, from numpy columns).
"""
