"""`egms-tiler snapshot`: a view of a built site as a PNG or PDF figure for reports.

`viewcheck` (the `--view` address checked against the site's manifest first), `capture`
(Chromium serves and renders the view with its legend, then writes the file).
"""
