"""Where a server process spends its time under load: py-spy samples, summarised.

py-spy (``pip install py-spy``) samples the running process from outside, so the server needs no
change. The summary lists the functions most often on top of the stack (own time) and the
project's functions most often anywhere on it (inclusive time), as percentages of samples.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

OURS = re.compile(r"(^|[ (/])(server|domain|realtime|scanners)/")


class Profile:
    """Samples ``pid`` for ``seconds`` from now; ``summary()`` waits for the end and summarises."""

    def __init__(self, pid: int, seconds: float, *, rate: int = 200) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="fs-pyspy-")
        self.output = Path(self.folder.name) / "stacks.txt"
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        self.process = subprocess.Popen(
            [spy, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))), "--rate", str(rate),
             "--format", "raw", "--output", str(self.output), "--nonblocking", "--threads"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def summary(self, top: int = 15) -> dict[str, Any]:
        _, err = self.process.communicate(timeout=120)
        if not self.output.exists():
            return {"error": err.decode(errors="replace")[-500:]}
        own: collections.Counter[str] = collections.Counter()
        inclusive: collections.Counter[str] = collections.Counter()
        total = 0
        for line in self.output.read_text().splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not count_text.isdigit():
                continue
            count = int(count_text)
            frames = stack.split(";")
            total += count
            own[_short(frames[-1])] += count
            for frame in {_short(f) for f in frames if OURS.search(f)}:
                inclusive[frame] += count
        if keep := os.environ.get("FLOORSYNC_PYSPY_KEEP"):  # the raw stacks, for a flame graph
            shutil.copy(self.output, keep)
        self.folder.cleanup()

        def share(counter: collections.Counter[str]) -> list[tuple[str, float]]:
            return [(name, round(100 * n / max(total, 1), 1)) for name, n in counter.most_common(top)]

        return {"samples": total, "own_pct": share(own), "ours_inclusive_pct": share(inclusive)}


def _short(frame: str) -> str:
    """``function (path/to/module.py:123)`` -> ``function (module.py)``, so lines of one function add up."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    parts = path.split("/")
    return f"{name} ({'/'.join(parts[-2:])})"
