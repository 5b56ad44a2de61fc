"""What every benchmark needs: real backends with a fresh database, and real server processes."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
MACHINE_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
MACHINE_REDIS = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class Backends:
    database_url: str
    redis_url: str
    namespace: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _reachable(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def _psql(admin_url: str, sql: str) -> None:
    import asyncio

    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(make_url(admin_url).set(drivername="postgresql").render_as_string(False))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


# worker processes of each server started (``bench --workers``)
WORKERS = 1

# While ``bench all`` runs every scenario on one dataset, scenarios get its backends and servers
# instead of starting their own.
_SHARED: dict[str, object] = {}


@contextlib.contextmanager
def shared(found: Backends, started: list[Server]) -> Iterator[None]:
    """Within this block, ``backends()``, ``server()`` and ``servers()`` yield these, started elsewhere."""
    _SHARED.update(backends=found, servers=started)
    try:
        yield
    finally:
        _SHARED.clear()


def is_shared() -> bool:
    """Are scenarios running on ``bench all``'s dataset (which later scenarios use too)?"""
    return bool(_SHARED)


@contextlib.contextmanager
def backends() -> Iterator[Backends]:
    """FLOORSYNC_DATABASE_URL/REDIS_URL if set, else the machine's services, else embedded ones;
    always a fresh database, dropped afterwards."""
    if _SHARED:
        yield _SHARED["backends"]  # type: ignore[misc]
        return
    admin = os.environ.get("FLOORSYNC_DATABASE_URL")
    redis_url = os.environ.get("FLOORSYNC_REDIS_URL")
    with contextlib.ExitStack() as stack:
        admin = admin or (MACHINE_POSTGRES if _reachable(5432) else None)
        redis_url = redis_url or (MACHINE_REDIS if _reachable(6379) else None)
        if admin is None or redis_url is None:
            started = stack.enter_context(_embedded(admin, redis_url))
            admin, redis_url = started["database_url"], started["redis_url"]
        name = f"fs_bench_{secrets.token_hex(4)}"
        _psql(admin, f'CREATE DATABASE "{name}"')
        try:
            yield Backends(
                make_url(admin).set(database=name).render_as_string(hide_password=False),
                redis_url,
                f"fs-bench-{name}",
            )
        finally:
            _psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def _embedded(database_url: str | None, redis_url: str | None) -> Iterator[dict[str, str]]:
    """``floorsync backends`` in a temporary data dir: it starts the backends not given and prints all URLs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOORSYNC_")}
    given = {"FLOORSYNC_DATABASE_URL": database_url, "FLOORSYNC_REDIS_URL": redis_url}
    env.update({name: url for name, url in given.items() if url})
    with tempfile.TemporaryDirectory(prefix="fs-bench-") as folder, tempfile.TemporaryFile() as log:
        env["FLOORSYNC_DATA_DIR"] = str(Path(folder) / "fs")
        process = subprocess.Popen([sys.executable, "-m", "server.cli", "backends"], env=env, cwd=REPO,
                                   stdout=subprocess.PIPE, stderr=log)
        try:
            assert process.stdout is not None
            ready, _, _ = select.select([process.stdout], [], [], 180)
            line = process.stdout.readline() if ready else b""
            if not line:
                log.seek(0)
                raise RuntimeError("floorsync backends did not start:\n" + log.read().decode()[-3000:])
            yield json.loads(line)
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str

    @property
    def processes(self) -> list[psutil.Process]:
        """The server and its worker processes (``--workers``)."""
        return server_processes(self.process.pid)

    @property
    def rss_mb(self) -> float:
        """Resident memory of the server and its worker processes."""
        return sum(process.memory_info().rss for process in self.processes) / 2**20


def server_processes(pid: int) -> list[psutil.Process]:
    """A ``floorsync`` process and the workers it spawned (not its resource tracker)."""
    parent = psutil.Process(pid)
    workers = []
    for child in parent.children():
        with contextlib.suppress(psutil.Error):
            if "spawn_main" in " ".join(child.cmdline()):
                workers.append(child)
    return [parent, *workers]


@contextlib.contextmanager
def server(
    found: Backends, *, command: str = "demo", env: dict[str, str] | None = None, sql_trace: Path | None = None
) -> Iterator[Server]:
    """A real ``floorsync`` process on a free port; stopped with SIGTERM afterwards.

    With ``sql_trace``, a process of its own (never ``bench all``'s) with one worker records every committed
    transaction's SQL to that file (FLOORSYNC_SQL_TRACE)."""
    if _SHARED and sql_trace is None:
        yield _SHARED["servers"][0]  # type: ignore[index]
        return
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FLOORSYNC_")}
    environment.update(
        FLOORSYNC_DATABASE_URL=found.database_url,
        FLOORSYNC_REDIS_URL=found.redis_url,
        FLOORSYNC_REDIS_NAMESPACE=found.namespace,
        FLOORSYNC_SECRET_KEY="bench-" + "k" * 48,
        FLOORSYNC_PORT=str(port),
        FLOORSYNC_LOG_LEVEL="warning",
        FLOORSYNC_WORKERS=str(WORKERS if sql_trace is None else 1),
        **(env or {}),
    )
    if sql_trace is not None:
        environment["FLOORSYNC_SQL_TRACE"] = str(sql_trace)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", command], env=environment, cwd=REPO, stdout=log, stderr=log
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError("server exited:\n" + log.read().decode()[-3000:])
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not become ready")
                time.sleep(0.1)
            yield Server(process, url)
        finally:
            _stop(process)


@contextlib.contextmanager
def servers(found: Backends, count: int, *, env: dict[str, str] | None = None) -> Iterator[list[Server]]:
    """``count`` identical instances on the same backends: the first seeds the demo data, the others
    start once it is ready (so migrations and seeding never race)."""
    if _SHARED:
        yield list(_SHARED["servers"])  # type: ignore[call-overload]
        return
    with contextlib.ExitStack() as stack:
        started = [stack.enter_context(server(found, env=env))]
        for _ in range(count - 1):
            started.append(stack.enter_context(server(found, command="serve", env=env)))
        yield started


def asyncpg_dsn(found: Backends) -> str:
    """The benchmark database's URL in the form asyncpg and libpq (pgbench, psql) accept."""
    return make_url(found.database_url).set(drivername="postgresql").render_as_string(False)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def login_headers(base: str, username: str, password: str) -> dict[str, str]:
    """Bearer headers for a demo user."""
    response = httpx.post(f"{base}/api/auth/login", json={"username": username, "password": password}, timeout=10)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
