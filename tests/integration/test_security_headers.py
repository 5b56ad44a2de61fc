"""Security headers on every response (API, errors, the app's static files), a strict CSP with no
inline script, HSTS in prod, and the forwarded client address trusted only from configured proxies."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from server.settings import Settings
from tests.conftest import app_with, auth_headers
from tests.live import serve

Client = AsyncTestClient[Litestar]
PWA = Path(__file__).resolve().parents[2] / "pwa"


def assert_secured(response: httpx.Response) -> None:
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    policy = response.headers.get("content-security-policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in policy.split("; ") if d}
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert "'unsafe-inline'" not in directives.get("script-src", ["'unsafe-inline'"]), where
    assert directives.get("default-src") == ["'self'"], where
    assert response.headers.get("x-content-type-options") == "nosniff", where
    assert response.headers.get("referrer-policy") == "no-referrer", where


async def test_api_static_and_error_responses_carry_the_security_headers(client: Client) -> None:
    admin = await auth_headers(client, "admin")
    responses = [
        await client.get("/healthz"),
        await client.get("/api/warehouses", headers=admin),  # an API answer
        await client.get("/api/auth/me"),  # 401 problem
        await client.get("/api/no-such-thing"),  # routing 404
        await client.post("/api/devices", headers={**admin, "Idempotency-Key": ""}, json={}),  # middleware's 400
        await client.get("/"),  # the app shell (or the "not built" page)
        await client.get("/some/client/route"),  # SPA fallback
        await client.get("/schema/openapi.json"),
    ]
    assert {r.status_code for r in responses} >= {200, 401, 404, 400}
    for response in responses:
        assert_secured(response)
        assert "strict-transport-security" not in response.headers  # dev serves plain HTTP


async def test_prod_adds_hsts_and_serves_the_schema_without_a_cdn_ui(seeded: Settings) -> None:
    async with AsyncTestClient(app_with(seeded, env="prod")) as prod:
        for response in (await prod.get("/healthz"), await prod.get("/api/auth/me"), await prod.get("/")):
            assert_secured(response)
            assert response.headers["strict-transport-security"].startswith("max-age=31536000")
        schema = await prod.get("/schema/openapi.json")
        assert schema.status_code == 200 and schema.json()["info"]["title"] == "Floorsync"
        ui = await prod.get("/schema")
        assert "cdn.jsdelivr.net" not in ui.text and "<script" not in ui.text


def inline_scripts(html: str) -> list[str]:
    return [tag for tag in re.findall(r"<script\b[^>]*>", html, flags=re.IGNORECASE) if " src=" not in tag]


async def test_the_app_shell_has_no_inline_script(client: Client) -> None:
    assert inline_scripts((PWA / "index.html").read_text()) == []
    built = PWA / "dist" / "index.html"
    if built.exists():
        assert inline_scripts(built.read_text()) == []
    served = await client.get("/")
    assert inline_scripts(served.text) == []
    assert not re.search(r"\son\w+=", served.text)  # no inline event handlers either


async def wrong_login(http: httpx.AsyncClient, *, forwarded_for: str) -> int:
    answer = await http.post(
        "/api/auth/login",
        json={"username": f"nobody-{uuid.uuid4().hex[:8]}", "password": "wrong-password"},
        headers={"X-Forwarded-For": forwarded_for},
    )
    return answer.status_code


def fresh_ip() -> str:
    n = uuid.uuid4().int
    return f"203.0.{n % 250}.{(n >> 8) % 250 + 1}"


async def test_behind_a_trusted_proxy_the_address_throttle_counts_each_real_client(seeded: Settings) -> None:
    limits = {"login_attempts_per_address": 3, "trusted_proxies": ("127.0.0.1/32",)}
    async with serve(app_with(seeded, **limits)) as url, httpx.AsyncClient(base_url=url) as http:
        guesser, colleague = fresh_ip(), fresh_ip()
        assert [await wrong_login(http, forwarded_for=guesser) for _ in range(4)] == [401, 401, 401, 429]
        # the same proxy, another client: not blocked by the guesser's failures
        assert await wrong_login(http, forwarded_for=colleague) == 401


async def test_without_trusted_proxies_a_forwarded_header_cannot_dodge_the_throttle(seeded: Settings) -> None:
    async with serve(app_with(seeded, login_attempts_per_address=3)) as url, httpx.AsyncClient(base_url=url) as http:
        answers = [await wrong_login(http, forwarded_for=fresh_ip()) for _ in range(4)]
        assert answers[-1] == 429, answers  # a new made-up address each time, still one client
