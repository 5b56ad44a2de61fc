"""How the server hands out the built app: cache headers, the worker's scope, the SPA fallback."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.browser.conftest import DIST, Floor

pytestmark = pytest.mark.e2e


async def test_the_shell_worker_and_manifest_are_revalidated_and_hashed_assets_are_immutable(floor: Floor) -> None:
    async with httpx.AsyncClient(base_url=floor.url) as http:
        shell = await http.get("/")
        worker = await http.get("/sw.js")
        manifest = await http.get("/manifest.webmanifest")
        asset = re.search(r'src="(/assets/[^"]+\.js)"', shell.text)
        assert asset is not None
        script = await http.get(asset.group(1))
    assert (shell.status_code, shell.headers["cache-control"]) == (200, "no-cache")
    assert shell.headers["content-type"].startswith("text/html")
    assert (worker.headers["cache-control"], worker.headers["service-worker-allowed"]) == ("no-cache", "/")
    assert worker.headers["content-type"].startswith("text/javascript")
    assert manifest.headers["cache-control"] == "no-cache"
    assert manifest.json()["start_url"] == "/" and len(manifest.json()["icons"]) == 3
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_client_routes_get_the_shell_and_server_addresses_never_do(floor: Floor) -> None:
    index = DIST.joinpath("index.html").read_text()
    async with httpx.AsyncClient(base_url=floor.url) as http:
        for route in ("/picker", "/rep/orders", "/supervisor"):
            answer = await http.get(route)
            assert (answer.status_code, answer.text) == (200, index)
        missing_api = await http.get("/api/no-such-thing")
        missing_asset = await http.get("/assets/index-gone.js")
        outside = await http.get("/..%2f..%2fpyproject.toml")
    assert (missing_api.status_code, missing_api.json()["code"]) == (404, "request.not_found")
    assert missing_asset.status_code == 404
    assert outside.status_code == 404 or outside.text == index
