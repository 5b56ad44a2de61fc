"""What the browser tests of the floor screens (count, replenish, pack, ship) and the rep's order
changes share: workers of their own, logging them in, and checks that a control is on screen."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from playwright.async_api import Locator, Page, expect

from tests.browser.conftest import HANDHELD, Floor, allocated_order

PASSWORD = "floor-screens-pass"
# the app's error feedback vibrates [120, 60, 120] (lib/feedback.ts); the spy records each call
BUZZ_SPY = """
window.__buzz = []
Object.defineProperty(Navigator.prototype, 'vibrate', {
  configurable: true,
  value(pattern) { window.__buzz.push(pattern); return true },
})
"""
ERROR_BUZZ = [120, 60, 120]


async def buzzes(page: Page) -> list[Any]:
    """Every vibration pattern the page asked for since it loaded (needs ``BUZZ_SPY``)."""
    found: list[Any] = await page.evaluate("window.__buzz")
    return found


async def new_worker(floor: Floor, *roles: str) -> str:
    """A user of our own, so no task another test left claimed comes back from "next task"."""
    name = f"w-{secrets.token_hex(4)}"
    body = {
        "username": name,
        "display_name": f"Worker {name[2:]}",
        "roles": list(roles or ("picker",)),
        "warehouses": ["WH1"],
        "password": PASSWORD,
    }
    await floor.call("admin", "POST", "/api/admin/users", body, status=201)
    return name


async def worker_log_in(page: Page, floor: Floor, username: str, *, tab: str | None = None, path: str = "/") -> None:
    """Password login as a worker made by ``new_worker``; then open a tab of the floor app."""
    await page.goto(floor.url + path)
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("button", name="Log out")).to_be_visible()
    if tab:
        await page.get_by_role("navigation", name="Sections").get_by_role("button", name=tab, exact=True).click()


async def released_wave(floor: Floor, items: list[dict[str, Any]], qty: int) -> dict[str, dict[str, Any]]:
    """A released wave of one order of ``qty`` per item; its pick tasks by location."""
    orders = [await allocated_order(floor, item["sku"], qty) for item in items]
    wave = await floor.call("super1", "POST", "/api/warehouses/WH1/waves", {"orders": orders}, 201)
    return {t["location"]: t for t in wave["tasks"]}


async def pick_by_api(floor: Floor, picker: str, task: dict[str, Any], gtin: str, qty: int) -> dict[str, Any]:
    """A whole pick over the API (claim, then the guided scans), as another handheld would."""
    await floor.call(picker, "POST", "/api/warehouses/WH1/tasks/next", {"kinds": ["pick"]})
    scans = f"/api/warehouses/WH1/tasks/{task['id']}/scans"
    for body in ({"scan": task["location"]}, {"scan": gtin}, {"qty": qty}, {"scan": task["tote"]}):
        answer: dict[str, Any] = await floor.call(picker, "POST", scans, body)
        if answer["prompt"]["step"] == "done":
            break
    return answer


async def assert_in_view(locator: Locator, viewport: dict[str, int] = HANDHELD) -> dict[str, float]:
    """The element (a message, a field) is wholly inside the viewport without scrolling."""
    box = await locator.bounding_box()
    assert box is not None, "not rendered"
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box
    return box


async def assert_on_screen(locator: Locator, viewport: dict[str, int] = HANDHELD) -> None:
    """The control is inside the viewport without scrolling and at least 48 px tall."""
    box = await assert_in_view(locator, viewport)
    assert box["height"] >= 48, box


def write_modules_y4m(path: Path, modules: str, *, width: int = 640, height: int = 480, module_px: int = 3) -> None:
    """Any 1-D barcode given as modules (1 = bar), centred on white, as a Y4M video for Chromium's fake camera."""
    left = (width - len(modules) * module_px) // 2
    assert left >= 0, "the barcode is wider than the frame"
    row = bytes(
        0 if 0 <= x - left < len(modules) * module_px and modules[(x - left) // module_px] == "1" else 255
        for x in range(width)
    )
    blank = bytes([255]) * width
    top, bottom = height // 4, height * 3 // 4
    luma = b"".join(row if top <= y < bottom else blank for y in range(height))
    chroma = bytes([128]) * (width // 2 * height // 2 * 2)
    frame = b"FRAME\n" + luma + chroma
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F5:1 Ip A1:1 C420jpeg\n".encode() + frame * 2)


async def label_modules(page: Page) -> str:
    """The SSCC label's barcode as drawn on screen, read back from its SVG as modules (1 = bar)."""
    drawn: dict[str, Any] = await page.evaluate(
        """() => {
          const svg = document.querySelector('[data-testid="sscc-label"] svg')
          const bars = [...svg.querySelectorAll('rect[fill="#000"]')]
            .map((r) => [+r.getAttribute('x'), +r.getAttribute('width')])
          return { width: svg.viewBox.baseVal.width, bars }
        }"""
    )
    modules = ["0"] * int(drawn["width"])
    for x, w in drawn["bars"]:
        modules[int(x) : int(x) + int(w)] = ["1"] * int(w)
    return "".join(modules)
