"""What the build reads: EGMS files found, recognised, checked and streamed by column name.

Modules, each with one job: `discover` (INPUT arguments to files), `egms` (the format: names,
columns, dates, orbits, the data credit), `pid` (the point ID), `opening` (a file's or ZIP
member's bytes, within the read limits), `zipmember` (fast inflate of a ZIP member), `header`
(`scan`: a file's header and first rows to a `Source`), `reader` (its rows in bounded batches),
`linecheck` (the exact line-by-line check that names a bad line), `inspect` (`egms-tiler
inspect`), `clip` (`--clip`: the area of interest). Nothing here knows about tiles or the site.
"""
