"""``floorsync``: serve, migrate, demo (seed then serve), createuser, import."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import replace

from sqlalchemy.engine import make_url

from server.embedded import DataDirInUse, embedded_backends
from server.settings import Settings, SettingsError, dev_secret


def _progress(message: str) -> None:
    print(f"floorsync: {message}", file=sys.stderr, flush=True)


def _safe(url: str) -> str:
    if url.startswith("unix://"):
        return url
    return make_url(url).render_as_string(hide_password=True)


@contextlib.contextmanager
def backends(settings: Settings) -> Iterator[Settings]:
    """Settings with concrete backends: the configured ones, or embedded ones started here."""
    embedded = settings.embedded_postgres or settings.embedded_redis
    if embedded:
        what = " and ".join(
            name for name, on in (("PostgreSQL", settings.embedded_postgres), ("Redis", settings.embedded_redis)) if on
        )
        _progress(f"starting embedded {what} under {settings.data_dir} ...")
    started_at = time.monotonic()
    with embedded_backends(
        settings.data_dir, postgres=settings.embedded_postgres, redis=settings.embedded_redis
    ) as started:
        if embedded:
            _progress(f"embedded backends ready in {time.monotonic() - started_at:.1f}s")
        resolved = settings.with_backends(
            database_url=settings.database_url or started["database_url"],
            redis_url=settings.redis_url or started["redis_url"],
        )
        if not resolved.secret_key:
            resolved = replace(resolved, secret_key=dev_secret(settings.data_dir))
        pg_kind = "embedded" if settings.embedded_postgres else "external"
        redis_kind = "embedded" if settings.embedded_redis else "external"
        _progress(f"PostgreSQL ({pg_kind}): {_safe(resolved.database_url or '')}")
        _progress(f"Redis ({redis_kind}): {_safe(resolved.redis_url or '')}")
        yield resolved


async def _migrate(settings: Settings) -> None:
    from server.db import make_engine
    from server.migrate import upgrade

    engine = make_engine(settings.database_url or "")
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def _schema_is_current(settings: Settings) -> bool:
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from server.db import make_engine
    from server.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    engine = make_engine(settings.database_url or "")
    try:
        async with engine.connect() as conn:
            exists = await conn.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL"))
            current = await conn.scalar(text("SELECT version_num FROM alembic_version")) if exists else None
    finally:
        await engine.dispose()
    return bool(current == head)


def _serve(settings: Settings, *, seed: bool) -> None:
    import uvicorn

    from server.app import create_app

    if settings.env == "dev":
        _progress("applying migrations ...")
        asyncio.run(_migrate(settings))
    elif not asyncio.run(_schema_is_current(settings)):
        raise SettingsError("the database schema is not current; run `floorsync migrate` first")
    if seed:
        from server.seed import seed_demo

        _progress("seeding demo data ...")
        counts = asyncio.run(seed_demo(settings, progress=_progress))
        _progress("demo data: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    app = create_app(settings)
    _progress(f"serving on http://{settings.host}:{settings.port}")
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=logging.getLevelName(logging.getLogger().level).lower(),
        access_log=False,
        loop="uvloop",
        http="httptools",
        ws="websockets-sansio",
        ws_per_message_deflate=False,
    )
    uvicorn.Server(config).run()  # returns after SIGINT/SIGTERM; the caller then stops the backends


def _createuser(settings: Settings, args: argparse.Namespace) -> None:
    from server.routes.people import NewUser
    from server.seed import create_users

    password = args.password
    if password is None and args.badge is None:
        if not sys.stdin.isatty():
            raise SettingsError("give --password (or --badge and --pin) when not on a terminal")
        password = getpass.getpass(f"password for {args.username}: ")
    new = NewUser(
        username=args.username,
        display_name=args.display_name or args.username,
        roles=args.role,
        warehouses=args.warehouse or [],
        password=password,
        badge=args.badge,
        pin=args.pin,
    )
    if settings.env == "dev":
        asyncio.run(_migrate(settings))
    asyncio.run(create_users(settings, [new]))
    _progress(f"created user {args.username} with roles {', '.join(args.role)}")


def _import(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from server.imports.cli import import_file

    if settings.env == "dev":
        asyncio.run(_migrate(settings))
    return asyncio.run(import_file(settings, args.kind, Path(args.file), dry_run=args.dry_run, user=args.user))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="floorsync", description="Floorsync warehouse and field-sales server")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the server (migrates first in dev)")
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("demo", help="seed the demo data, then serve")
    user = sub.add_parser("createuser", help="create a user")
    user.add_argument("username")
    user.add_argument("--role", action="append", required=True, help="picker, receiver, sales_rep, supervisor, admin")
    user.add_argument("--warehouse", action="append", help="warehouse code (repeatable)")
    user.add_argument("--display-name")
    user.add_argument("--password")
    user.add_argument("--badge")
    user.add_argument("--pin")
    imp = sub.add_parser("import", help="import a master-data or opening-stock file (docs/imports.md)")
    imp.add_argument("kind", help="warehouses, suppliers, items, locations, customers, prices, customer_prices, "
                     "users, badges, opening_stock")
    imp.add_argument("file", help="a .csv or .json file")
    imp.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    imp.add_argument("--user", default="cli", help="who the history names as the author")
    return parser


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``floorsync`` command."""
    args = build_parser().parse_args(argv)
    # SIGTERM before uvicorn takes over (during start-up) still unwinds and stops the backends.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        settings = Settings.from_env()
        logging.basicConfig(level=settings.log_level, format="%(message)s")
        logging.getLogger("alembic").setLevel(logging.WARNING)
        with backends(settings) as resolved:
            if args.command == "migrate":
                _progress("applying migrations ...")
                asyncio.run(_migrate(resolved))
                _progress("schema is current")
            elif args.command in ("serve", "demo"):
                _serve(resolved, seed=args.command == "demo")
            elif args.command == "createuser":
                _createuser(resolved, args)
            elif args.command == "import":
                return _import(resolved, args)
    except (SettingsError, DataDirInUse) as exc:
        _progress(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        # Ctrl-C or SIGTERM: the backends above have been stopped on the way out
        _progress("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
