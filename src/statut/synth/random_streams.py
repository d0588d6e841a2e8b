"""Independent, named random streams derived from one seed.

Each step of the generator draws from its own stream, keyed by (seed, step, chunk), so a step can be
changed or added without moving the numbers any other step draws, and a chunk's numbers do not depend
on how many chunks came before it.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, step: str, chunk: int = 0) -> np.random.Generator:
    """A generator for ``step`` (a stable name) of ``chunk``, fully determined by ``seed``."""
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(step.encode("utf-8")), chunk]))
