"""The build on a Dask cluster (`--dask-local N`, `--scheduler ADDRESS`): one machine's output.

`client` runs on the machine that calls `build`: it plans a layer's tasks, submits them and
writes the layer's indexes; `tasks` are the functions the workers run (pure, each writing only
its own files); `workers` is what the client does to the worker processes themselves when a
build is interrupted (Ctrl-C). Needs `pip install 'egms-tiler[distributed]'`.
"""
