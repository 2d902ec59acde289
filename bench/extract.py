"""The hand pipeline's first step: lon, lat, velocity, pid out of an EGMS zip, as a small CSV.

What a user would write with pyarrow: stream the CSV member out of the zip, parse only the four
columns, write them under the names tippecanoe recognises. Run as a script so its time and
memory are measured on their own: `python bench/extract.py BURST.zip OUT.csv`.
"""

from __future__ import annotations

import sys
import zipfile

import pyarrow as pa
import pyarrow.csv as pacsv

COLUMNS = {"longitude": "lon", "latitude": "lat", "mean_velocity": "velocity", "pid": "pid"}


def extract(zip_path: str, out_path: str) -> int:
    rows = 0
    with zipfile.ZipFile(zip_path) as archive:
        member = next(name for name in archive.namelist() if name.endswith(".csv"))
        with archive.open(member) as raw:
            reader = pacsv.open_csv(
                raw,
                read_options=pacsv.ReadOptions(block_size=16 << 20),
                convert_options=pacsv.ConvertOptions(
                    include_columns=list(COLUMNS), column_types={"pid": pa.string()}
                ),
            )
            schema = pa.schema([field.with_name(COLUMNS[field.name]) for field in reader.schema])
            with pacsv.CSVWriter(out_path, schema) as writer:
                for batch in reader:
                    writer.write_batch(batch.rename_columns(schema.names))
                    rows += batch.num_rows
    return rows


if __name__ == "__main__":
    print(extract(sys.argv[1], sys.argv[2]), "rows")
