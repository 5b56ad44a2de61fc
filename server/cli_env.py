"""The environment variables each ``floorsync`` command reads, for its ``--help``."""

from __future__ import annotations

ENVIRONMENT: dict[str, str] = {
    "FLOORSYNC_ENV": "dev (default: embedded backends allowed, migrates on start) or prod",
    "FLOORSYNC_DATABASE_URL": "PostgreSQL URL; unset in dev starts an embedded PostgreSQL under the data dir",
    "FLOORSYNC_REDIS_URL": "Redis URL; unset in dev starts an embedded Redis under the data dir",
    "FLOORSYNC_DATA_DIR": "where embedded backends, their logs and the dev signing key live (default .floorsync)",
    "FLOORSYNC_SECRET_KEY": "token signing key, 32+ characters (required in prod)",
    "FLOORSYNC_HOST": "address to listen on (default 127.0.0.1)",
    "FLOORSYNC_PORT": "port to listen on (default 8000)",
    "FLOORSYNC_WORKERS": "worker processes (default: the CPU count in prod, 1 in dev); --workers wins",
    "FLOORSYNC_TRUSTED_PROXIES": "addresses/networks whose X-Forwarded-For is believed (behind a proxy)",
    "FLOORSYNC_BOOTSTRAP_ADMIN": "'username:password' (or 'username' + _PASSWORD_FILE): first admin, made once",
    "FLOORSYNC_BOOTSTRAP_ADMIN_PASSWORD_FILE": "file holding the bootstrap admin's password (a Docker secret)",
    "FLOORSYNC_PWA_DIR": "the built app to serve at / (default pwa/dist beside the server)",
    "FLOORSYNC_REDIS_NAMESPACE": "prefix of every Redis key (default fs)",
    "FLOORSYNC_LOG_LEVEL": "debug, info (default), warning, error or critical",
}

_BACKENDS = ("FLOORSYNC_ENV", "FLOORSYNC_DATABASE_URL", "FLOORSYNC_REDIS_URL", "FLOORSYNC_DATA_DIR")
_SERVING = (
    *_BACKENDS,
    "FLOORSYNC_SECRET_KEY",
    "FLOORSYNC_HOST",
    "FLOORSYNC_PORT",
    "FLOORSYNC_WORKERS",
    "FLOORSYNC_TRUSTED_PROXIES",
    "FLOORSYNC_BOOTSTRAP_ADMIN",
    "FLOORSYNC_BOOTSTRAP_ADMIN_PASSWORD_FILE",
    "FLOORSYNC_PWA_DIR",
    "FLOORSYNC_REDIS_NAMESPACE",
    "FLOORSYNC_LOG_LEVEL",
)

READS: dict[str, tuple[str, ...]] = {
    "serve": _SERVING,
    "demo": _SERVING,
    "migrate": (*_BACKENDS, "FLOORSYNC_LOG_LEVEL"),
    "createuser": _BACKENDS,
    "import": _BACKENDS,
}


def epilog(command: str) -> str:
    """The 'environment' section of a command's help."""
    names = READS[command]
    width = max(len(name) for name in names)
    lines = [f"  {name.ljust(width)}  {ENVIRONMENT[name]}" for name in names]
    return "environment:\n" + "\n".join(lines)
