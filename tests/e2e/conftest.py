"""Fixtures of the end-to-end tests, which start real ``floorsync`` processes."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data dir for embedded backends outside pytest's temp root: every other pytest run on the machine
    resets that root to owner-only, which locks the embedded PostgreSQL's own user out of its files
    (an initdb under way fails with "Permission denied")."""
    with tempfile.TemporaryDirectory(prefix="fs-e2e-") as folder:
        yield Path(folder) / "fs"
