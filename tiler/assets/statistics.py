"""Each asset's velocity statistics over its points that pass the quality filter, vectorised
over all assets at once (a group is a run of one asset's rows in `Members`)."""

from __future__ import annotations

import numpy as np

from tiler.assets.members import Members

STATISTICS = ("mean", "median", "p05", "p95", "std", "diff")
COUNTS = ("points", "points_ok", "units")


def asset_statistics(members: Members, count: int, first: int = 0) -> dict[str, np.ndarray]:
    """Per asset `first .. first + count - 1` (the pairs' assets): `points`, `points_ok`, `units`
    (distinct processing units of the points that pass) and the STATISTICS of their velocities
    (NaN where none passes)."""
    members = shifted(members, first)
    good = members.where(members.ok)
    values = good.velocity[np.lexsort((good.velocity, good.asset))]
    assets = np.sort(good.asset)
    starts = np.searchsorted(assets, np.arange(count))
    sizes = np.bincount(assets, minlength=count)
    result = {
        "points": np.bincount(members.asset, minlength=count),
        "points_ok": sizes,
        "units": distinct_units(good, count),
    }
    with np.errstate(invalid="ignore", divide="ignore"):
        sums = np.bincount(assets, weights=values, minlength=count)
        mean = sums / sizes
        spread = np.bincount(assets, weights=(values - mean[assets]) ** 2, minlength=count)
        result["mean"] = mean
        result["std"] = np.sqrt(spread / sizes)
    result["median"] = percentile(values, starts, sizes, 0.5)
    result["p05"] = percentile(values, starts, sizes, 0.05)
    result["p95"] = percentile(values, starts, sizes, 0.95)
    result["diff"] = percentile(values, starts, sizes, 1.0) - percentile(values, starts, sizes, 0)
    return result


def percentile(values: np.ndarray, starts: np.ndarray, sizes: np.ndarray, q: float) -> np.ndarray:
    """The q-quantile of each group of sorted `values` (numpy's default, linear interpolation);
    NaN for an empty group."""
    out = np.full(len(sizes), np.nan)
    some = sizes > 0
    position = q * (sizes[some] - 1)
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, sizes[some] - 1)
    first = starts[some]
    below, above = values[first + low], values[first + high]
    out[some] = below + (above - below) * (position - low)
    return out


def distinct_units(members: Members, count: int) -> np.ndarray:
    order = np.lexsort((members.unit, members.asset))
    asset, unit = members.asset[order], members.unit[order]
    new = np.ones(len(asset), dtype=bool)
    new[1:] = (asset[1:] != asset[:-1]) | (unit[1:] != unit[:-1])
    return np.bincount(asset[new], minlength=count)


def shifted(members: Members, first: int) -> Members:
    """The pairs with asset ids counted from `first`."""
    if not first:
        return members
    return Members(members.asset - first, members.point, members.unit, members.velocity,
                   members.ok)  # fmt: skip


def main_units(members: Members, count: int) -> np.ndarray:
    """Per asset, the processing unit holding most of its passing points (the lowest on a tie;
    -1 where none passes)."""
    good = members.where(members.ok)
    order = np.lexsort((good.unit, good.asset))
    asset, unit = good.asset[order], good.unit[order]
    new = np.ones(len(asset), dtype=bool)
    new[1:] = (asset[1:] != asset[:-1]) | (unit[1:] != unit[:-1])
    starts = np.flatnonzero(new)
    runs = np.diff(np.append(starts, len(asset)))
    run_asset, run_unit = asset[starts], unit[starts]
    best = np.lexsort((run_unit, -runs, run_asset))  # per asset: longest run first, lowest unit
    first = np.ones(len(best), dtype=bool)
    first[1:] = run_asset[best][1:] != run_asset[best][:-1]
    main = np.full(count, -1, dtype=np.int64)
    main[run_asset[best][first]] = run_unit[best][first]
    return main
