"""The progressive web app: ``pwa/dist`` served at ``/`` with the cache headers a PWA needs.

The service worker must be served from the root (so it may control every page) and never cached by
the HTTP cache, or updates would wait for the cache to expire. Vite's hashed files under ``assets/``
never change, so browsers may keep them for a year. Every other path that is not an API, WebSocket
or schema address is a client-side route and gets ``index.html`` (the SPA fallback).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File

import server

NO_CACHE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
# files the browser must revalidate on every load: the shell, the worker and the manifest
ALWAYS_FRESH = frozenset({"index.html", "sw.js", "manifest.webmanifest", "registerSW.js"})
# addresses that belong to the server, never to the app: an unknown one is a plain 404
SERVER_PREFIXES = ("api", "ws", "schema", "healthz", "readyz", "metrics")
MEDIA_TYPES = {
    ".webmanifest": "application/manifest+json",
    ".js": "text/javascript",
    ".wasm": "application/wasm",
    ".svg": "image/svg+xml",
    ".html": "text/html",
    ".css": "text/css",
    ".png": "image/png",
}
NOT_BUILT = (
    "<!doctype html><meta charset=utf-8><title>Floorsync</title>"
    "<h1>The Floorsync app has not been built</h1>"
    "<p>The server runs, but <code>{dist}</code> has no <code>index.html</code>. Build the app with "
    "<code>(cd pwa &amp;&amp; npm ci &amp;&amp; npm run build)</code> and reload, or point "
    "<code>FLOORSYNC_PWA_DIR</code> at a built copy. The API is at <a href=/schema>/schema</a>.</p>"
)


def dist_dir(request: Request[Any, Any, Any]) -> Path:
    """Where the built app lives: ``FLOORSYNC_PWA_DIR``, else ``pwa/dist`` beside the server package."""
    configured: Path | None = getattr(request.app.state.settings, "pwa_dir", None)
    return configured or Path(server.__file__).resolve().parent.parent / "pwa" / "dist"


def _headers(relative: str) -> dict[str, str]:
    if relative in ALWAYS_FRESH:
        headers = {"Cache-Control": NO_CACHE}
        if relative == "sw.js":
            headers["Service-Worker-Allowed"] = "/"
        return headers
    if relative.startswith("assets/"):
        return {"Cache-Control": IMMUTABLE}
    # icons and other unhashed public files: reuse, but check for a newer one each time
    return {"Cache-Control": NO_CACHE}


def _file(root: Path, relative: str) -> File:
    path = root / relative
    return File(
        path=path,
        content_disposition_type="inline",
        media_type=MEDIA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream",
        headers=_headers(relative),
    )


def _inside(root: Path, relative: str) -> Path | None:
    """The file ``relative`` names under ``root``, or None (missing, a folder, or outside ``root``)."""
    candidate = (root / relative).resolve()
    if candidate.is_file() and candidate.is_relative_to(root.resolve()):
        return candidate
    return None


def _serve(request: Request[Any, Any, Any], relative: str) -> Response[Any] | File:
    root = dist_dir(request)
    if not (root / "index.html").is_file():
        return Response(
            NOT_BUILT.format(dist=root), status_code=503, media_type="text/html", headers={"Cache-Control": NO_CACHE}
        )
    if relative and _inside(root, relative) is not None:
        return _file(root, relative)
    last = relative.rsplit("/", 1)[-1]
    if relative.startswith("assets/") or "." in last:
        # a missing file (say an old hashed chunk) must fail loudly, not turn into the HTML shell
        raise NotFoundException()
    return _file(root, "index.html")


@get("/", operation_id="appShell", include_in_schema=False, sync_to_thread=False)
def app_shell(request: Request[Any, Any, Any]) -> Response[Any] | File:
    """The app's HTML shell."""
    return _serve(request, "")


@get("/{path:path}", operation_id="appFile", include_in_schema=False, sync_to_thread=False)
def app_file(request: Request[Any, Any, Any], path: FromPath[str]) -> Response[Any] | File:
    """A file of the built app, or the shell for a client-side route."""
    relative = path.lstrip("/")
    if relative.split("/", 1)[0] in SERVER_PREFIXES:
        raise NotFoundException()
    return _serve(request, relative)


PWA_HANDLERS = [app_shell, app_file]
