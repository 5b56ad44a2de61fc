"""Where a running server's embedded backends are, so that a second command can use them.

The data dir lock lets one process own the embedded PostgreSQL and Redis. A command that only
needs the database (``createuser``) finds them through this file, written by the owner once they
answer and removed when it stops, instead of being refused while the server runs.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

FILENAME = "backends.json"


@contextlib.contextmanager
def published(data_dir: Path, urls: dict[str, str]) -> Iterator[None]:
    """Publish the embedded backends' URLs under ``data_dir`` while the block runs."""
    if not urls:
        yield
        return
    path = data_dir / FILENAME
    # owner-only from the start: the URLs reach a trust-auth PostgreSQL
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump({"pid": os.getpid(), **urls}, handle)
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def running_backends(data_dir: Path) -> dict[str, str]:
    """The URLs the server holding ``data_dir`` published; empty when there are none."""
    try:
        found = json.loads((data_dir / FILENAME).read_text())
    except (OSError, ValueError):
        return {}
    return {key: found[key] for key in ("database_url", "redis_url") if isinstance(found.get(key), str)}
