"""Security headers on every HTTP response (API, static app, errors, even routing 404s), set by a
``before_send`` hook of the app, which sees every response the app sends."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.types import Message, Scope

from server.settings import Settings

# The app's policy: scripts, styles, workers and sockets from our own origin only, no inline script
# (the PWA ships none); 'wasm-unsafe-eval' lets the camera's WebAssembly barcode decoder compile.
APP_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# Swagger UI (dev only; prod serves /schema/openapi.json alone) comes from jsdelivr with an inline
# start-up script: its page alone gets a policy that allows them.
SWAGGER_CDN = "https://cdn.jsdelivr.net"
DOCS_POLICY = "; ".join(
    (
        "default-src 'self'",
        f"script-src 'self' 'unsafe-inline' {SWAGGER_CDN}",
        f"style-src 'self' 'unsafe-inline' {SWAGGER_CDN}",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"


def _policy(path: str, *, docs_ui: bool) -> str:
    if docs_ui and path.startswith("/schema") and not path.endswith((".json", ".yaml", ".yml")):
        return DOCS_POLICY
    return APP_POLICY


def security_headers_hook(settings: Settings) -> Callable[[Message, Scope], Awaitable[None]]:
    """The ``before_send`` hook adding the headers; HSTS only in prod (served behind TLS there)."""
    common: list[tuple[bytes, bytes]] = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if settings.env == "prod":
        common.append((b"strict-transport-security", HSTS.encode()))
    docs_ui = settings.env != "prod"

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = list(message.get("headers") or ())
        present = {name.lower() for name, _ in headers}
        policy = _policy(scope.get("path", ""), docs_ui=docs_ui).encode()
        for name, value in (*common, (b"content-security-policy", policy)):
            if name not in present:
                headers.append((name, value))
        message["headers"] = headers

    return add_headers
