"""Settings read from the environment once, by the app factory or the CLI, never at import time."""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

Env = Literal["dev", "prod"]
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# The numeric settings (docs/operations.md): environment variable -> (field, its type, lowest value allowed)
NUMBERS: dict[str, tuple[str, type[int] | type[float], float]] = {
    # input bounds
    "FLOORSYNC_MAX_BODY_BYTES": ("max_body_bytes", int, 1),
    "FLOORSYNC_MAX_HEADER_BYTES": ("max_header_bytes", int, 1),
    "FLOORSYNC_MAX_JSON_DEPTH": ("max_json_depth", int, 1),
    "FLOORSYNC_MAX_DOCUMENT_LINES": ("max_document_lines", int, 1),
    "FLOORSYNC_MAX_QUANTITY": ("max_quantity", int, 1),
    "FLOORSYNC_HASH_CONCURRENCY": ("hash_concurrency", int, 1),
    # outbound webhooks
    "FLOORSYNC_WEBHOOK_MAX_ATTEMPTS": ("webhook_max_attempts", int, 1),
    "FLOORSYNC_WEBHOOK_TIMEOUT_S": ("webhook_timeout_s", float, 0.1),
    "FLOORSYNC_WEBHOOK_BACKOFF_BASE_S": ("webhook_backoff_base_s", float, 0.0),
    "FLOORSYNC_WEBHOOK_BACKOFF_CAP_S": ("webhook_backoff_cap_s", float, 0.0),
    "FLOORSYNC_WEBHOOK_FAILING_AFTER": ("webhook_failing_after", int, 1),
}


class SettingsError(RuntimeError):
    """The configuration cannot work; the message says what to set."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the server needs to know about its surroundings."""

    database_url: str | None = None
    redis_url: str | None = None
    data_dir: Path = Path(".floorsync")
    secret_key: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    env: Env = "dev"
    access_token_ttl_s: int = 900
    refresh_token_ttl_s: int = 30 * 24 * 3600
    login_attempts_per_account: int = 5
    login_attempts_per_address: int = 30
    login_window_s: int = 300
    pin_lockout_after: int = 10  # wrong PINs in a row before a badge waits for a supervisor
    hash_concurrency: int = 1  # argon2 hashes at once, in worker threads
    trusted_proxies: tuple[str, ...] = ()  # IPs/CIDRs whose X-Forwarded-For names the client
    redis_namespace: str = "fs"
    pwa_dir: Path | None = None
    log_level: str = "INFO"  # the request log is one INFO line per request
    max_body_bytes: int = 1 << 20  # a route may allow more (opt max_body_bytes), e.g. bulk imports
    max_header_bytes: int = 32 << 10  # request line and headers together
    max_json_depth: int = 32
    max_document_lines: int = 1000  # lines of one order, ASN, PO, receipt, count...
    max_quantity: int = 100_000_000  # base units in one quantity field
    db_pool_timeout_s: float = 30.0  # longest wait for a database connection before answering 503 server.busy
    webhook_max_attempts: int = 8  # tries of one event before it goes to the dead-letter list
    webhook_timeout_s: float = 10.0  # per delivery request
    webhook_backoff_base_s: float = 1.0
    webhook_backoff_cap_s: float = 600.0
    webhook_failing_after: int = 5  # consecutive failures that raise a webhook_failing exception
    webhook_poll_s: float = 0.2

    @property
    def embedded_postgres(self) -> bool:
        return self.database_url is None

    @property
    def embedded_redis(self) -> bool:
        return self.redis_url is None

    def with_backends(self, *, database_url: str, redis_url: str) -> Settings:
        """A copy pointing at concrete backends (used once embedded ones have started)."""
        return replace(self, database_url=database_url, redis_url=redis_url)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read ``FLOORSYNC_*`` variables; in ``prod`` refuse to start on unsafe defaults."""
        env = dict(os.environ if environ is None else environ)
        mode = env.get("FLOORSYNC_ENV", "dev")
        if mode not in ("dev", "prod"):
            raise SettingsError(f"FLOORSYNC_ENV must be 'dev' or 'prod', not {mode!r}")
        port_text = env.get("FLOORSYNC_PORT", "8000")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SettingsError(f"FLOORSYNC_PORT must be a TCP port number, not {port_text!r}")
        secret = env.get("FLOORSYNC_SECRET_KEY", "")
        database_url = env.get("FLOORSYNC_DATABASE_URL") or None
        redis_url = env.get("FLOORSYNC_REDIS_URL") or None
        if mode == "prod":
            missing = [
                name
                for name, value in (
                    ("FLOORSYNC_SECRET_KEY", secret),
                    ("FLOORSYNC_DATABASE_URL", database_url),
                    ("FLOORSYNC_REDIS_URL", redis_url),
                )
                if not value
            ]
            if missing:
                raise SettingsError(
                    "FLOORSYNC_ENV=prod needs explicit settings; set "
                    + ", ".join(missing)
                    + " (prod never starts embedded backends or signs tokens with a throwaway key)"
                )
            if len(secret) < 32:
                raise SettingsError("FLOORSYNC_SECRET_KEY must be at least 32 characters in prod")
        log_level = env.get("FLOORSYNC_LOG_LEVEL", "info").upper()
        if log_level not in LOG_LEVELS:
            known = ", ".join(LOG_LEVELS).lower()
            raise SettingsError(f"FLOORSYNC_LOG_LEVEL must be one of {known}, not {log_level.lower()!r}")
        # half the cores hash by default: the other half keep the event loop (every scan and socket) moving
        numbers = {"hash_concurrency": max(1, (os.cpu_count() or 2) // 2)} | _numbers(env)
        proxies = parse_proxies(env.get("FLOORSYNC_TRUSTED_PROXIES", ""))
        data_dir = Path(env.get("FLOORSYNC_DATA_DIR", ".floorsync")).expanduser().resolve()
        pwa_dir = env.get("FLOORSYNC_PWA_DIR")
        return cls(
            database_url=database_url,
            redis_url=redis_url,
            data_dir=data_dir,
            secret_key=secret,
            host=env.get("FLOORSYNC_HOST", "127.0.0.1"),
            port=int(port_text),
            env=mode,  # type: ignore[arg-type]
            redis_namespace=env.get("FLOORSYNC_REDIS_NAMESPACE", "fs"),
            pwa_dir=Path(pwa_dir).resolve() if pwa_dir else None,
            log_level=log_level,
            trusted_proxies=proxies,
            **numbers,
        )


def parse_proxies(text: str) -> tuple[str, ...]:
    """``FLOORSYNC_TRUSTED_PROXIES``: comma-separated IPs or CIDRs, each checked now, not per request."""
    proxies = tuple(p.strip() for p in text.split(",") if p.strip())
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise SettingsError(
                f"FLOORSYNC_TRUSTED_PROXIES holds {proxy!r}, which is not an IP address or CIDR"
            ) from None
    return proxies


def _numbers(env: dict[str, str]) -> dict[str, Any]:
    """The numeric settings the environment sets (``NUMBERS``), each checked against its type and bounds."""
    found: dict[str, Any] = {}
    for name, (field, parse, lowest) in NUMBERS.items():
        text = env.get(name, "")
        if text == "":
            continue
        try:
            value = parse(text)
        except ValueError:
            kind = "whole number" if parse is int else "number"
            raise SettingsError(f"{name} must be a {kind} of at least {lowest:g}, not {text!r}") from None
        if value < lowest:
            raise SettingsError(f"{name} must be at least {lowest:g}, not {text!r}")
        found[field] = value
    return found


def dev_secret(data_dir: Path) -> str:
    """A per-data-dir signing key for dev, kept so that tokens survive a restart."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
