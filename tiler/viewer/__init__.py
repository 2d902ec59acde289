"""The static site a browser opens: manifest, rendered page, optional single file.

`manifest` (manifest.json: what the viewer reads first), `render` (index.html from the Jinja2
templates and the front-end files under hashed names), `singlefile` (`--single-file`: the whole
site as one HTML file). The viewer itself is JavaScript in site/app/.
"""
