"""The pid codec (tiler/inputs/pid.py): every real sample pid, and property tests both ways."""

from __future__ import annotations

import numpy as np
import pyarrow.csv as pacsv
import pytest
from conftest import L2B_ASC, L2B_DESC, L3_EAST, L3_UP
from hypothesis import given, settings
from hypothesis import strategies as st

from tiler.inputs import egms, pid

FACILITIES = st.integers(1, 4)
L2_PIDS = st.builds(
    pid.L2Pid,
    facility=FACILITIES,
    track=st.integers(1, 175),
    burst=st.integers(0, 4095),
    swath=st.integers(1, 3),
    polarisation=st.sampled_from(pid.POLARISATIONS),
    line=st.integers(0, (62**5 >> 16) - 1),
    pixel=st.integers(0, 65535),
)
L3_PIDS = st.builds(
    pid.L3Pid,
    facility=FACILITIES,
    northing=st.integers(0, 80_000).map(lambda n: n * 100),  # EPSG:3035 cell edges
    easting=st.integers(0, 80_000).map(lambda e: e * 100),
)


def read_columns(path: object, names: list[str]) -> dict[str, list[object]]:
    """Columns of a real sample (zip or csv) with pyarrow, pids as strings."""
    import zipfile

    with zipfile.ZipFile(str(path)) as archive:
        member = next(n for n in archive.namelist() if n.endswith(".csv"))
        with archive.open(member) as raw:
            table = pacsv.read_csv(
                raw,
                convert_options=pacsv.ConvertOptions(
                    include_columns=names, column_types={"pid": "string"}
                ),
            )
    return {name: table.column(name).to_pylist() for name in names}


@pytest.mark.parametrize("sample", [L2B_DESC, L2B_ASC], ids=["desc", "asc"])
def test_every_real_l2_pid_decodes_to_its_burst_and_row(sample: object) -> None:
    info = egms.parse_name(sample.name)  # type: ignore[attr-defined]
    assert info is not None
    data = read_columns(sample, ["pid", "line", "pixel"])
    for text, line, pixel in zip(data["pid"], data["line"], data["pixel"], strict=True):
        decoded = pid.decode_l2(str(text))
        assert (decoded.track, decoded.burst, decoded.swath) == (info.track, info.burst, 2)
        assert (decoded.polarisation, decoded.facility) == ("VV", 1)
        assert (decoded.line, decoded.pixel) == (line, pixel)
        assert pid.encode_l2(decoded) == text


@pytest.mark.parametrize("sample", [L3_UP, L3_EAST], ids=["up", "east"])
def test_every_real_l3_pid_decodes_to_its_cell(sample: object) -> None:
    data = read_columns(sample, ["pid", "easting", "northing"])
    for text, easting, northing in zip(data["pid"], data["easting"], data["northing"], strict=True):
        decoded = pid.decode_l3(str(text))
        assert (decoded.easting, decoded.northing) == (easting // 100 * 100, northing // 100 * 100)
        assert pid.encode_l3(pid.L3Pid(1, int(northing), int(easting))) == text


def test_the_documented_burst_code() -> None:
    # docs/egms-format.md#point-ids: (((track·2¹² + burst)·2² + swath)·2² + pol), VV = 3
    assert pid.burst_code(22, 845, 2, "VV") == (((22 * 4096 + 845) * 4 + 2) * 4 + 3)
    assert pid.encode_l2(pid.L2Pid(1, 22, 845, 2, "VV", 1217, 4670)) == "166ax5Ofja"


@settings(deadline=None)  # busy CI machines
@given(L2_PIDS)
def test_l2_round_trip(value: pid.L2Pid) -> None:
    text = pid.encode_l2(value)
    assert len(text) == 10 and all(c in pid.ALPHABET for c in text)
    assert pid.decode_l2(text) == value


@settings(deadline=None)  # busy CI machines
@given(L3_PIDS)
def test_l3_round_trip(value: pid.L3Pid) -> None:
    text = pid.encode_l3(value)
    assert len(text) == 10
    assert pid.decode_l3(text) == value


@settings(deadline=None)  # busy CI machines
@given(st.integers(0, 62**10 - 1), st.integers(0, 62**10 - 1))
def test_base62_round_trip_keeps_width_and_order(value: int, other: int) -> None:
    text = pid.to_base62(value, 10)
    assert len(text) == 10 and pid.from_base62(text) == value
    assert (text < pid.to_base62(other, 10)) == (value < other)  # the alphabet is in ASCII order


@settings(deadline=None)  # busy CI machines
@given(st.lists(L2_PIDS.filter(lambda p: p.track <= 175), min_size=1, max_size=20))
def test_vectorised_l2_encoding_equals_the_scalar_one(values: list[pid.L2Pid]) -> None:
    first = values[0]
    same_burst = [
        pid.L2Pid(
            first.facility,
            first.track,
            first.burst,
            first.swath,
            first.polarisation,
            v.line,
            v.pixel,
        )
        for v in values
    ]
    code = pid.burst_code(first.track, first.burst, first.swath, first.polarisation)
    chars = pid.encode_l2_array(
        first.facility,
        code,
        np.array([v.line for v in values]),
        np.array([v.pixel for v in values]),
    )
    assert [row.tobytes().decode() for row in chars] == [pid.encode_l2(v) for v in same_burst]
    facility, codes, position = pid.split_l2_array(chars)
    assert set(facility) == {first.facility} and set(codes) == {code}
    assert list(position) == [(v.line << 16) + v.pixel for v in values]


@settings(deadline=None)  # busy CI machines
@given(st.lists(L3_PIDS, min_size=1, max_size=20), FACILITIES)
def test_vectorised_l3_encoding_equals_the_scalar_one(values: list[pid.L3Pid], who: int) -> None:
    easting = np.array([v.easting + 50 for v in values])  # cell centres
    northing = np.array([v.northing + 50 for v in values])
    chars = pid.encode_l3_array(who, easting, northing)
    texts = [row.tobytes().decode() for row in chars]
    assert texts == [pid.encode_l3(pid.L3Pid(who, v.northing, v.easting)) for v in values]
    _, north, east = pid.split_l3_array(chars)
    assert list(north * 100) == [v.northing for v in values]
    assert list(east * 100) == [v.easting for v in values]


@settings(deadline=None)  # busy CI machines
@given(st.text(max_size=12))
def test_decoding_never_accepts_what_is_not_a_pid(text: str) -> None:
    valid = len(text) == 10 and all(c in pid.ALPHABET for c in text)
    if valid:
        assert pid.encode_l3(pid.decode_l3(text)) == text
        return
    with pytest.raises(pid.PidError):
        pid.decode_l2(text)


def test_values_array_marks_invalid_characters() -> None:
    chars = np.frombuffer(b"166ax5Ofja166ax5Of-a", dtype=np.uint8).reshape(2, 10)
    values = pid.values_array(chars)
    assert values[0] == pid.from_base62("166ax5Ofja") and values[1] == -1


@pytest.mark.parametrize(
    "bad",
    [
        {"track": 226},  # the 4-character burst code holds tracks up to 225
        {"burst": 4096},
        {"swath": 4},
        {"pixel": 65536},
        {"line": 62**5 >> 16},
        {"polarisation": "XX"},
    ],
)
def test_out_of_range_parts_are_refused(bad: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "facility": 1,
        "track": 22,
        "burst": 845,
        "swath": 2,
        "polarisation": "VV",
        "line": 1,
        "pixel": 1,
    }
    with pytest.raises(pid.PidError):
        pid.encode_l2(pid.L2Pid(**{**fields, **bad}))  # type: ignore[arg-type]
