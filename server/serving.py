"""Serving the app on one port from one process or from several worker processes.

The port is bound here, before anything else starts, so a clash is one clear line instead of a
server that announces itself and dies. With more than one worker, uvicorn's supervisor hands the
same listening socket to N spawned processes; each builds the whole app (relay, gateway, sweeper),
so a worker is a full instance: the relay election by advisory lock, presence in Redis and the
streams already make any number of instances behave as one.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
from typing import TYPE_CHECKING, Any

from server import sql_trace
from server.http_protocol import limit_heads
from server.settings import Settings, SettingsError

if TYPE_CHECKING:
    from litestar import Litestar

# The supervisor pings each worker from a thread; on a busy machine uvicorn's 5 s default can
# mistake a slow answer for a hung worker and kill it.
WORKER_HEALTHCHECK_S = 30
# After SIGTERM, requests and sockets still open get this long to finish before they are cancelled
# (a request waiting for a database connection could otherwise hold the exit for 30 s).
GRACEFUL_SHUTDOWN_S = 3
# What a worker needs from the parent to rebuild the same settings (the rest is the environment it inherits).
RESOLVED_VARIABLES = ("FLOORSYNC_DATABASE_URL", "FLOORSYNC_REDIS_URL", "FLOORSYNC_SECRET_KEY")


class WorkerFailed(RuntimeError):
    """A worker could not start serving (its own log lines above say why)."""


def default_workers(settings: Settings) -> int:
    """All the cores this process may use in prod; one in dev and the demo."""
    if settings.env != "prod":
        return 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` that worker processes can inherit; a clash names FLOORSYNC_PORT."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family=family, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise SettingsError(
                f"port {port} on {host} is already in use; stop what listens there or set FLOORSYNC_PORT "
                "to a free port"
            ) from None
        raise SettingsError(
            f"cannot listen on {host}:{port} ({exc.strerror}); check FLOORSYNC_HOST and FLOORSYNC_PORT"
        ) from None
    sock.set_inheritable(True)
    return sock


def _config(app: Any, *, settings: Settings, workers: int) -> Any:
    import uvicorn

    return uvicorn.Config(
        app,
        factory=workers > 1,
        workers=workers,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
        log_level=logging.getLevelName(logging.getLogger().level).lower(),
        access_log=False,
        loop="uvloop",
        http=limit_heads(settings.max_header_bytes),
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        # the app resolves X-Forwarded-For itself, from FLOORSYNC_TRUSTED_PROXIES only
        proxy_headers=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )


def worker_app() -> Litestar:
    """The app of one worker process (uvicorn calls this in each spawned worker)."""
    from server.app import create_app

    settings = Settings.from_env()
    limit_heads(settings.max_header_bytes)
    sql_trace.install_from_env()
    return create_app(settings)


def run(settings: Settings, sock: socket.socket, *, workers: int) -> None:
    """Serve until SIGINT/SIGTERM; with ``workers`` > 1, stop every worker before returning."""
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess

    if workers <= 1:
        from server.app import create_app

        sql_trace.install_from_env()
        server = uvicorn.Server(_config(create_app(settings), settings=settings, workers=1))
        server.run(sockets=[sock])
        if not server.started:
            raise WorkerFailed("the server did not start; see the lines above")
        return
    # spawned workers rebuild their settings from the environment: hand them the concrete backends
    concrete = (settings.database_url, settings.redis_url, settings.secret_key)
    os.environ.update({name: value or "" for name, value in zip(RESOLVED_VARIABLES, concrete, strict=True)})
    supervisor = Multiprocess(_config("server.serving:worker_app", settings=settings, workers=workers), sockets=[sock])
    supervisor.run()
    if any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes):
        raise WorkerFailed("a worker did not start, so none serve; see the lines above")
