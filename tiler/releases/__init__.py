"""One series across releases: each point matched to its counterpart in the other periods of
the same track and geometry, for the viewer's joined series (docs/site-data.md#releases).

`pairs` (which layers hold the same ground in another release), `layerpoints` (a built layer's
pids, positions, heights and tracks, read back from its chunks), `match` (the rule: the same pid,
otherwise the nearest point within a few metres and a similar height, one-to-one), `linkfiles`
(the per-chunk link files) and `link` (`link_layers`, the build's step).
"""

from __future__ import annotations

from .link import link_layers

__all__ = ["link_layers"]
