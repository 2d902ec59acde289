from tiler.cli import run

run()
