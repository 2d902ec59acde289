"""The matching rule (tiler/releases/match.py): the same pid first, then the nearest point of the
same track within RADIUS metres and HEIGHT metres of height, each point used once."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tiler.releases.match import BY_PID, BY_POSITION, HEIGHT, NONE, RADIUS, Points, match


def points(pids: list[str], xy: list[tuple[float, float]], height: list[float] | None = None,
           track: list[int] | None = None) -> Points:  # fmt: skip
    x, y = np.array(xy, dtype=float).reshape(-1, 2).T
    size = len(pids)
    return Points(np.array(pids, dtype="S"), x, y,
                  np.array(height if height else [10.0] * size, dtype=np.float32),
                  np.array(track if track else [1] * size, dtype=np.int32))  # fmt: skip


def test_the_same_pid_wins_over_a_nearer_point() -> None:
    a = points(["P1"], [(0.0, 0.0)])
    b = points(["Q9", "P1"], [(0.5, 0.0), (40.0, 0.0)])
    found = match(a, b)
    assert found.row.tolist() == [1] and found.by.tolist() == [BY_PID]
    assert found.distance[0] == 40.0


def test_a_renumbered_point_is_found_at_its_place() -> None:
    a = points(["A1", "A2"], [(0.0, 0.0), (100.0, 0.0)])
    b = points(["B2", "B1"], [(101.0, 1.0), (2.0, -1.0)])
    found = match(a, b)
    assert found.row.tolist() == [1, 0] and found.by.tolist() == [BY_POSITION] * 2
    assert np.allclose(found.distance, [np.hypot(2, 1), np.hypot(1, 1)])


def test_beyond_the_radius_the_height_or_the_track_there_is_none() -> None:
    a = points(["A1", "A2", "A3"], [(0.0, 0.0), (100.0, 0.0), (200.0, 0.0)], [10.0, 10.0, 10.0],
               [1, 1, 1])  # fmt: skip
    b = points(["B1", "B2", "B3"], [(RADIUS + 0.01, 0.0), (100.0, 1.0), (200.0, 0.5)],
               [10.0, 10.0 + HEIGHT + 0.1, 10.0], [1, 1, 2])  # fmt: skip
    found = match(a, b)
    assert found.row.tolist() == [-1, -1, -1] and found.by.tolist() == [NONE] * 3
    assert np.isnan(found.distance).all()


def test_a_point_is_used_once_nearest_first() -> None:
    a = points(["A1", "A2"], [(0.0, 0.0), (3.0, 0.0)])
    b = points(["B1"], [(2.0, 0.0)])
    assert match(a, b).row.tolist() == [-1, 0]  # A2 is nearer: A1 has no counterpart


def test_a_missing_height_is_not_held_against_a_point() -> None:
    a = points(["A1"], [(0.0, 0.0)], [float("nan")])
    assert match(a, points(["B1"], [(1.0, 1.0)], [50.0])).row.tolist() == [0]


coordinate = st.floats(0.0, 60.0, allow_nan=False).map(lambda v: round(v, 1))
layout = st.lists(st.tuples(coordinate, coordinate, st.floats(0.0, 12.0), st.integers(1, 2)),
                  min_size=0, max_size=25)  # fmt: skip


def brute_force(a: Points, b: Points) -> list[int]:
    """Greedy by distance over every allowed pair, one at a time: the rule as written."""
    pairs = sorted(
        (float(np.hypot(a.x[i] - b.x[j], a.y[i] - b.y[j])), i, j)
        for i in range(len(a))
        for j in range(len(b))
        if a.track[i] == b.track[j] and abs(a.height[i] - b.height[j]) <= HEIGHT
    )
    row, used = [-1] * len(a), set()  # fmt: skip
    for distance, i, j in pairs:
        if distance <= RADIUS and row[i] < 0 and j not in used:
            row[i] = j
            used.add(j)
    return row


@settings(max_examples=150, deadline=None)
@given(layout, layout)
def test_positions_pair_like_greedy_by_distance(first: list, second: list) -> None:
    a = points([f"A{k}" for k in range(len(first))], [(x, y) for x, y, _, _ in first],
               [h for *_, h, _ in first], [t for *_, t in first])  # fmt: skip
    b = points([f"B{k}" for k in range(len(second))], [(x, y) for x, y, _, _ in second],
               [h for *_, h, _ in second], [t for *_, t in second])  # fmt: skip
    found = match(a, b)
    expected = brute_force(a, b)
    # ties in distance may pair differently; the distances paired are the same
    assert sorted(found.distance[found.row >= 0].round(6)) == sorted(
        round(float(np.hypot(a.x[i] - b.x[j], a.y[i] - b.y[j])), 6)
        for i, j in enumerate(expected) if j >= 0)  # fmt: skip
    assert len(set(found.row[found.row >= 0])) == int((found.row >= 0).sum())


@given(st.lists(st.text("0123456789ABCxyz", min_size=1, max_size=10), unique=True, max_size=30),
       st.randoms(use_true_random=False))  # fmt: skip
def test_every_shared_pid_pairs_and_the_inverse_agrees(pids: list[str], draw) -> None:  # type: ignore[no-untyped-def]
    others = pids[:]
    draw.shuffle(others)
    kept = others[: len(others) // 2 + 1] if others else []
    far = [(1000.0 * k, 0.0) for k in range(len(pids))]
    a, b = points(pids, far), points(kept, [(1000.0 * k, 5000.0) for k in range(len(kept))])
    found = match(a, b)
    for k, pid in enumerate(pids):
        assert (found.row[k] >= 0) == (pid in kept)
        if pid in kept:
            assert kept[found.row[k]] == pid and found.by[k] == BY_PID
    back = found.inverse(len(b))
    assert [pids[r] for r in back.row] == kept
