"""``floorsync``: serve, migrate, demo (seed then serve), createuser, import, backends."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from server.cli_backends import backends, progress, shared_backends
from server.cli_env import epilog
from server.embedded import DataDirInUse
from server.serving import WorkerFailed
from server.settings import Settings, SettingsError


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


def _bootstrap_admin(settings: Settings) -> None:
    from server.bootstrap import bootstrap_admin_from_env, ensure_admin

    admin = bootstrap_admin_from_env(dict(os.environ))
    if admin is not None and asyncio.run(ensure_admin(settings, admin)):
        progress(f"created the first admin, {admin.username} (from FLOORSYNC_BOOTSTRAP_ADMIN)")


def _serve(settings: Settings, *, seed: bool, sock: socket.socket, workers: int) -> None:
    from server import serving

    if settings.env == "dev":
        progress("applying migrations ...")
        asyncio.run(_migrate(settings))
    elif not asyncio.run(_schema_is_current(settings)):
        raise SettingsError("the database schema is not current; run `floorsync migrate` first")
    _bootstrap_admin(settings)
    if seed:
        from server.seed import seed_demo

        progress("seeding demo data ...")
        counts = asyncio.run(seed_demo(settings, progress=progress))
        progress("demo data: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        from server.demo_day import stage_demo_day

        staged = asyncio.run(stage_demo_day(settings, progress=progress))
        if any(staged.values()):
            progress("demo day: " + ", ".join(f"{v} {k}" for k, v in staged.items()))
    plural = "s" if workers > 1 else ""
    progress(f"serving on http://{settings.host}:{settings.port} ({workers} worker{plural})")
    serving.run(settings, sock, workers=workers)  # returns after SIGINT/SIGTERM; the caller then stops the backends


def _createuser(settings: Settings, args: argparse.Namespace) -> None:
    from server.problems import Problem
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
    with shared_backends(settings) as resolved:
        if resolved.env == "dev":
            asyncio.run(_migrate(resolved))
        try:
            asyncio.run(create_users(resolved, [new]))
        except Problem as exc:
            raise CommandFailed(f"{exc.detail} ({exc.code})") from None
    progress(f"created user {args.username} with roles {', '.join(args.role)}")


def _import_command(settings: Settings, args: argparse.Namespace) -> None:

    from server.imports.cli import import_file

    with shared_backends(settings) as resolved:
        if resolved.env == "dev":
            asyncio.run(_migrate(resolved))
        code = asyncio.run(import_file(resolved, args.kind, Path(args.file), dry_run=args.dry_run, user=args.user))
    if code:
        raise CommandFailed(f"nothing was imported from {args.file} (the report above says why)")


def _migrate_command(settings: Settings, args: argparse.Namespace) -> None:
    with backends(settings) as resolved:
        progress("applying migrations ...")
        asyncio.run(_migrate(resolved))
        progress("schema is current")


def _serve_command(settings: Settings, args: argparse.Namespace) -> None:
    from server.serving import bind, default_workers

    if args.host is not None:
        settings = replace(settings, host=args.host)
    if args.port is not None:
        settings = replace(settings, port=args.port)
    workers = args.workers or _workers_from_env() or default_workers(settings)
    # before anything starts: a taken port is one line, not a server that announces itself and dies
    with bind(settings.host, settings.port) as sock, backends(settings) as resolved:
        _serve(resolved, seed=args.command == "demo", sock=sock, workers=workers)


def _backends_command(settings: Settings, args: argparse.Namespace) -> None:
    """Start the embedded backends (those not configured), print their URLs as one JSON line, hold them."""
    with backends(settings) as resolved:
        print(json.dumps({"database_url": resolved.database_url, "redis_url": resolved.redis_url}), flush=True)
        while True:
            signal.pause()  # until SIGINT/SIGTERM, which unwinds and stops them


class CommandFailed(RuntimeError):
    """The command could not do its job; the message is the one line to print."""


def _workers_from_env() -> int | None:
    text = os.environ.get("FLOORSYNC_WORKERS", "")
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise SettingsError(f"FLOORSYNC_WORKERS must be a whole number of processes, 1 or more, not {text!r}")
    return int(text)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"needs a whole number, 1 or more, not {text!r}")
    return int(text)


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"needs a TCP port number, not {text!r}")
    return int(text)


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], None]] = {
    "serve": _serve_command,
    "demo": _serve_command,
    "migrate": _migrate_command,
    "createuser": _createuser,
    "import": _import_command,
    "backends": _backends_command,
}


def _add_serve_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--workers", type=_positive, metavar="N",
                         help="worker processes on the one port (default: FLOORSYNC_WORKERS, else the CPU count "
                              "in prod and 1 in dev)")
    command.add_argument("--host", help="address to listen on (default: FLOORSYNC_HOST, else 127.0.0.1)")
    command.add_argument("--port", type=_port, help="port to listen on (default: FLOORSYNC_PORT, else 8000)")


def build_parser() -> argparse.ArgumentParser:
    """The ``floorsync`` command line: each command's help lists its options and environment."""
    parser = argparse.ArgumentParser(
        prog="floorsync",
        description="Floorsync warehouse and field-sales server",
        epilog="`floorsync COMMAND --help` lists a command's options and the environment variables it reads.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, description: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=description, description=description, epilog=epilog(name),
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    _add_serve_options(command("serve", "run the server (migrates first in dev)"))
    command("migrate", "apply database migrations")
    _add_serve_options(command("demo", "seed the demo data, then serve"))
    user = command("createuser", "create a user (also while the server runs)")
    user.add_argument("username")
    user.add_argument("--role", action="append", required=True, help="picker, receiver, sales_rep, supervisor, admin "
                                                                     "(repeatable)")
    user.add_argument("--warehouse", action="append", help="warehouse code (repeatable; admins need none)")
    user.add_argument("--display-name", help="shown in the app (default: the username)")
    user.add_argument("--password", help="8+ characters (asked for on a terminal when neither it nor --badge is given)")
    user.add_argument("--badge", help="badge code for handheld login (needs --pin)")
    user.add_argument("--pin", help="4+ digits, with --badge")
    imp = command("import", "import a master-data or opening-stock file, all or nothing (docs/imports.md)")
    imp.add_argument("kind", help="warehouses, suppliers, items, locations, customers, prices, customer_prices, "
                     "users, badges, opening_stock")
    imp.add_argument("file", help="a .csv or .json file")
    imp.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    imp.add_argument("--user", default="cli", help="who the history names as the author")
    command("backends", "start the embedded PostgreSQL and Redis (those not configured), print their URLs as one "
            "JSON line on stdout and keep them running until stopped (for tools that start servers of their own)")
    return parser


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _hang_up(signum: int, frame: object) -> None:
    # the terminal closed: stop exactly as on SIGTERM (whoever handles SIGTERM at the moment, uvicorn
    # while serving, else _interrupt), never die on the spot and leave the backends running
    signal.raise_signal(signal.SIGTERM)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``floorsync`` command."""
    args = build_parser().parse_args(argv)
    # SIGTERM before uvicorn takes over (during start-up) still unwinds and stops the backends.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _hang_up)
    try:
        settings = Settings.from_env()
        logging.basicConfig(level=settings.log_level, format="%(message)s")
        logging.getLogger("alembic").setLevel(logging.WARNING)
        if args.command == "createuser":
            # one line on success: progress of the embedded backends' start is not news here
            logging.getLogger("floorsync.embedded").setLevel(logging.WARNING)
        COMMANDS[args.command](settings, args)
    except (SettingsError, DataDirInUse) as exc:
        progress(f"error: {exc}")
        return 2
    except (CommandFailed, WorkerFailed) as exc:
        progress(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        # Ctrl-C or SIGTERM: the backends above have been stopped on the way out
        progress("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
