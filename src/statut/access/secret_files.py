"""Secrets generated on first start and kept in the data directory, never in the repository.

Several server workers must share them (a token signed by one worker is verified by another; a
cursor issued by one is read by another), so the first process to start creates the file atomically
(``O_EXCL``, mode 0600) and the others read it. ``var/`` is in .gitignore.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path


def load_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The content of ``path``; created with ``make()`` (mode 0600) when it does not exist yet."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_complete(path)
    content = make()
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    return content


def _read_complete(path: Path, attempts: int = 50) -> bytes:
    """Read a file another process may still be writing (it is small: wait for it to be non-empty)."""
    for _ in range(attempts):
        content = path.read_bytes()
        if content:
            return content
        time.sleep(0.02)
    raise RuntimeError(f"{path} stays empty: delete it and start again")
