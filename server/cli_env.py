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
    "FLOORSYNC_HASH_CONCURRENCY": "password/PIN hashes checked at once, off the event loop (default: half the cores)",
    "FLOORSYNC_MAX_BODY_BYTES": "largest request body (default 1 MiB; imports stream past it)",
    "FLOORSYNC_MAX_HEADER_BYTES": "largest request line and headers together (default 32 KiB)",
    "FLOORSYNC_MAX_JSON_DEPTH": "deepest nesting of a JSON body (default 32)",
    "FLOORSYNC_MAX_DOCUMENT_LINES": "most lines in one order, ASN, PO, receipt or count (default 1000)",
    "FLOORSYNC_MAX_QUANTITY": "largest quantity in base units (default 100000000)",
    "FLOORSYNC_WEBHOOK_MAX_ATTEMPTS": "tries of one delivery before it goes to the dead letters (default 8)",
    "FLOORSYNC_WEBHOOK_TIMEOUT_S": "seconds a webhook receiver gets to answer (default 10)",
    "FLOORSYNC_WEBHOOK_BACKOFF_BASE_S": "first retry delay of a failed delivery, doubled each time (default 1)",
    "FLOORSYNC_WEBHOOK_BACKOFF_CAP_S": "longest retry delay (default 600)",
    "FLOORSYNC_WEBHOOK_FAILING_AFTER": "failures in a row that raise a webhook_failing exception (default 5)",
    "FLOORSYNC_SQL_TRACE": "file to append each committed transaction's SQL to, one JSON line each (benchmarks; slow)",
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
    "FLOORSYNC_HASH_CONCURRENCY",
    "FLOORSYNC_MAX_BODY_BYTES",
    "FLOORSYNC_MAX_HEADER_BYTES",
    "FLOORSYNC_MAX_JSON_DEPTH",
    "FLOORSYNC_MAX_DOCUMENT_LINES",
    "FLOORSYNC_MAX_QUANTITY",
    "FLOORSYNC_WEBHOOK_MAX_ATTEMPTS",
    "FLOORSYNC_WEBHOOK_TIMEOUT_S",
    "FLOORSYNC_WEBHOOK_BACKOFF_BASE_S",
    "FLOORSYNC_WEBHOOK_BACKOFF_CAP_S",
    "FLOORSYNC_WEBHOOK_FAILING_AFTER",
    "FLOORSYNC_SQL_TRACE",
)

READS: dict[str, tuple[str, ...]] = {
    "serve": _SERVING,
    "demo": _SERVING,
    "migrate": (*_BACKENDS, "FLOORSYNC_LOG_LEVEL"),
    "createuser": _BACKENDS,
    "import": _BACKENDS,
    "backends": _BACKENDS,
}


def epilog(command: str) -> str:
    """The 'environment' section of a command's help."""
    names = READS[command]
    width = max(len(name) for name in names)
    lines = [f"  {name.ljust(width)}  {ENVIRONMENT[name]}" for name in names]
    return "environment:\n" + "\n".join(lines)
