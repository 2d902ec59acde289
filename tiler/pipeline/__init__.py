"""The build from INPUT to a published site: the order of the stages, reuse, atomic output.

`build` (`tiler.build` and `BuildOptions`: discover, read headers, plan layers, build each,
basemap, site), `cache` (a layer whose inputs and options are unchanged is reused), `atomic`
(the site is built beside OUT and swapped into place: never half written).
"""
