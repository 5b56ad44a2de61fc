"""Browser tests: the built PWA served by a real ``floorsync serve`` process on a fresh, seeded
database, driven in Debian's headless Chromium through Python Playwright.

Each test module gets a server of its own, so tasks a test leaves behind never reach another
module's picker. Screenshots for the README are written to ``pwa/screenshots`` only when
``FLOORSYNC_SCREENSHOTS=1`` is set, so a test run never dirties the work tree.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import make_engine, make_sessionmaker
from server.settings import Settings
from tests.backends import free_port, wait_until
from tests.conftest import DEMO_PASSWORDS
from tests.fresh import fresh_settings
from tests.processes import answers_ready, floorsync, server_env

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "pwa" / "dist"
SCREENSHOTS = REPO / "pwa" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HANDHELD = {"width": 360, "height": 640}
# the whole suite shares two cores with PostgreSQL, Redis and the servers: give live updates time
expect.set_options(timeout=60_000)  # a passing check returns at once; only a failure waits this out
TABLET = {"width": 1024, "height": 768}


@dataclass(frozen=True)
class Floor:
    """One running server and the database behind it."""

    url: str
    settings: Settings
    db: async_sessionmaker[AsyncSession]

    async def token(self, username: str) -> dict[str, str]:
        async with httpx.AsyncClient(base_url=self.url) as http:
            answer = await http.post(
                "/api/auth/login", json={"username": username, "password": DEMO_PASSWORDS[username]}
            )
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    async def call(self, username: str, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        """An API call as ``username`` (each with a fresh idempotency key), checked for ``status``."""
        headers = await self.token(username) | {"Idempotency-Key": secrets.token_hex(16)}
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as http:
            answer = await http.request(method, path, json=body, headers=headers)
        assert answer.status_code == status, answer.text
        return answer.json() if answer.content else None

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.db() as session:
            return await session.scalar(text(sql), params)

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.db() as session:
            return list((await session.execute(text(sql), params)).all())


@contextmanager
def _server(settings: Settings, data_dir: Path, pwa: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = server_env(settings, data_dir, port=port, FLOORSYNC_PWA_DIR=str(pwa))
    process = floorsync("serve", env=env, cwd=REPO)
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        output = process.finish()
        assert process.returncode == 0, output.decode()[-3000:]


async def _ready(url: str, process: subprocess.Popen[bytes]) -> bool:
    if process.poll() is not None:
        raise AssertionError("the server stopped while starting; its output follows the test")
    return await answers_ready(url)


def _require(path: Path, message: str) -> None:
    if not path.is_file():
        pytest.fail(message)


@pytest.fixture(scope="module")
def pwa_dist() -> Path:
    """The built app a module's server serves; a module that ships a new version overrides it with a copy."""
    return DIST


@pytest.fixture(scope="module")
async def floor(seeded: Settings, tmp_path_factory: pytest.TempPathFactory, pwa_dist: Path) -> AsyncIterator[Floor]:
    """A real server with the built app, on a database of its own (seeded with the demo data)."""
    _require(DIST / "index.html", "pwa/dist is not built: run (cd pwa && npm ci && npm run build) (tests/run does)")
    async with fresh_settings(seeded) as settings:
        with _server(settings, tmp_path_factory.mktemp("browser"), pwa_dist) as (url, process):
            await wait_until(lambda: _ready(url, process), what="the server to be ready")
            engine = make_engine(settings.database_url or "", pool_size=2)
            try:
                yield Floor(url, settings, make_sessionmaker(engine))
            finally:
                await engine.dispose()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    _require(Path(CHROMIUM), f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def contexts(browser: Browser) -> AsyncIterator[list[BrowserContext]]:
    """Contexts a test opens (each a separate device); closed after the test."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        await context.close()


async def device(
    browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int] = HANDHELD
) -> tuple[BrowserContext, Page]:
    """A new device (its own storage, IndexedDB and service worker) with one page."""
    context = await browser.new_context(viewport=viewport, service_workers="allow")  # type: ignore[arg-type]
    contexts.append(context)
    page = await context.new_page()
    page.set_default_timeout(15_000)
    return context, page


async def log_in(page: Page, floor: Floor, username: str, *, path: str = "/") -> None:
    """Password login through the login screen; waits for the role app's header."""
    await page.goto(floor.url + path)
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password", exact=True).fill(DEMO_PASSWORDS[username])
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("button", name="Log out")).to_be_visible()


async def badge_log_in(page: Page, floor: Floor, badge: str, pin: str) -> None:
    await page.goto(floor.url + "/")
    await page.get_by_role("button", name="Badge + PIN").click()
    await page.get_by_label("Badge").fill(badge)
    await page.get_by_label("PIN").fill(pin)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("button", name="Log out")).to_be_visible()


async def controlled(page: Page) -> None:
    """Wait until the service worker controls the page (the shell is then cached for offline). Polled
    with ``evaluate``: ``wait_for_function`` evaluates its string with eval, which the app's CSP forbids."""

    async def control() -> bool:
        return bool(await page.evaluate("navigator.serviceWorker.controller !== null"))

    await wait_until(control, what="the service worker to control the page")


async def wedge(page: Page, code: str) -> None:
    """What a keyboard-wedge scanner does: fast keystrokes into the focused field, then Enter."""
    await page.keyboard.type(code, delay=5)
    await page.keyboard.press("Enter")


async def screenshot(page: Page, name: str) -> None:
    """Save a README screenshot when asked to (FLOORSYNC_SCREENSHOTS=1)."""
    if os.environ.get("FLOORSYNC_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


# per database: each test module has a database of its own, so only its own tests compete for items
_used: dict[str, set[str]] = {}


async def stocked_items(floor: Floor, count: int, *, warehouse: str = "WH1", min_qty: int = 40) -> list[dict[str, Any]]:
    """Items no other test uses: not lot tracked, held only on their pick face, with their EA GTIN."""
    rows = await floor.rows(
        "SELECT i.sku, u.gtin, l.code, b.on_hand - b.allocated AS free FROM items i"
        " JOIN item_uoms u ON u.item_id = i.id AND u.uom = 'EA'"
        " JOIN stock_balances b ON b.item_id = i.id AND b.warehouse = :wh AND b.status = 'available'"
        " JOIN locations l ON l.id = b.location_id AND l.kind = 'pick_face' AND l.zone = 'A'"
        " WHERE NOT i.lot_tracked AND b.on_hand - b.allocated >= :q AND NOT EXISTS (SELECT 1 FROM stock_balances o"
        "   WHERE o.item_id = i.id AND o.warehouse = :wh AND o.id <> b.id AND o.on_hand > 0)"
        " ORDER BY i.sku LIMIT 200",
        wh=warehouse,
        q=min_qty,
    )
    used = _used.setdefault(floor.settings.database_url or "", set())
    chosen = [r for r in rows if r.sku not in used][:count]
    assert len(chosen) == count, "not enough untouched items in the demo data"
    used.update(r.sku for r in chosen)
    return [{"sku": r.sku, "gtin": r.gtin, "location": r.code, "free": int(r.free)} for r in chosen]


async def allocated_order(floor: Floor, sku: str, qty: int, *, customer: str = "CUST-020") -> str:
    """An order placed by the rep and allocated at once; returns its number."""
    order = await floor.call(
        "rep1",
        "POST",
        "/api/orders",
        {"customer": customer, "warehouse": "WH1", "lines": [{"sku": sku, "qty": qty}]},
        status=201,
    )
    assert order["status"] == "allocated", order
    return str(order["number"])


async def small_targets(page: Page) -> list[str]:
    """Visible buttons, fields and links smaller than a 48 px touch target, named (checkboxes sit in a 48 px label)."""
    found: list[str] = await page.evaluate(
        """() => [...document.querySelectorAll('button, input, select, textarea, a[href]')]
          .filter((e) => e.offsetParent !== null && e.type !== 'checkbox')
          .map((e) => [e, e.getBoundingClientRect()])
          .filter(([, r]) => r.height < 47.5 || r.width < 47.5)
          .map(([e, r]) => `${e.tagName} ${(e.textContent || e.name || e.id).trim()}: ${r.width}x${r.height}`)"""
    )
    return found
