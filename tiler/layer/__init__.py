"""One layer (level x period x geometry) built from its processing units, in two passes.

`passes` runs a layer: pass 1 stages each unit (`processing_unit`: static columns, ids, checks),
screens its series for trend changes (`trendchange`), with --epochs takes their displacement
about every quarter (`epochs`), and writes its tile features; pass 2 writes
the time-series chunks (`serieschunks`) while tippecanoe tiles, its reading started early by
`seriesprefetch` and kept in `scratchmatrix` files. Then the indexes: `chunkindex` (each chunk's
box, kept on disk a unit at a time), `pidindex` (pid to feature id), `outlines` (unit hulls) and
`attributestats` (colour-scale statistics). `LayerState` is what the passes add each unit to;
the Dask build (tiler/distributed/) uses it too. `chunkreader` reads a built layer back from its
chunks for the steps that work across layers; `seriespack` packs a layer's chunk files into a
few files read by HTTP Range before publication (--series-files).
"""
