"""Independent, reproducible random streams keyed by what they describe.

Every random choice is drawn from a generator keyed by the seed and the thing it belongs to (a
track, a burst, a strip of ground, a block of rows), never from a shared stream, so a file's
content does not depend on which other files are generated, in which order or process.
"""

from __future__ import annotations

import zlib

import numpy as np

Key = int | str


def rng(seed: int, *parts: Key) -> np.random.Generator:
    words = [seed & 0xFFFFFFFF, seed >> 32 & 0xFFFFFFFF]
    for part in parts:
        if isinstance(part, str):
            words.append(zlib.crc32(part.encode("utf-8")))
        else:
            words.extend((part & 0xFFFFFFFF, part >> 32 & 0xFFFFFFFF))
    return np.random.default_rng(np.random.SeedSequence(words))
