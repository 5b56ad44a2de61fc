"""Time from ``floorsync demo`` to a ready ``/readyz``, on an empty and on a warm data dir.

python -m load_tests.startup --json
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _time_to_ready(data_dir: Path, *, timeout_s: float = 180) -> float:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOORSYNC_")}
    env.update(FLOORSYNC_DATA_DIR=str(data_dir), FLOORSYNC_PORT=str(port))
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "demo"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - started < timeout_s:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not become ready")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fs-startup-") as folder:
        data_dir = Path(folder) / "data"
        cold = _time_to_ready(data_dir)
        warm = _time_to_ready(data_dir)
    print(json.dumps({"demo_to_ready_empty_s": round(cold, 2), "demo_to_ready_warm_s": round(warm, 2)}))


if __name__ == "__main__":
    main()
