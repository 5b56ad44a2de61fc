"""Accessibility: axe-core on every role's main screens, on the 360x640 handheld and the 1024x768
tablet, finds no serious or critical violation, and every visible control is a 48 px touch target.
The floor screens (count, refill, pack, ship), the rep's order panel, the dialogs and the banners
are audited the same way in their own tests, in the states those tests reach."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.audit import findings
from tests.browser.conftest import (
    HANDHELD,
    TABLET,
    Floor,
    allocated_order,
    badge_log_in,
    log_in,
    screenshot,
    stocked_items,
)

pytestmark = pytest.mark.e2e

VIEWPORTS = {"handheld": HANDHELD, "tablet": TABLET}


async def _audit(page: Page, screen: str, found: dict[str, list[Any]]) -> None:
    """Run axe-core on what the page shows now; record serious/critical violations and small targets."""
    if problems := await findings(page):
        found[screen] = problems


async def _page(browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int]) -> Page:
    context = await browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    contexts.append(context)
    page = await context.new_page()
    page.set_default_timeout(15_000)
    return page


async def _picker(page: Page, floor: Floor, audit: Callable[[str], Awaitable[None]]) -> None:
    await page.goto(floor.url + "/")
    await expect(page.get_by_role("button", name="Log in")).to_be_visible()
    await audit("login")
    await page.get_by_role("button", name="Badge + PIN").click()
    await audit("login-badge")
    await badge_log_in(page, floor, "1001", "1234")
    await audit("picker-claim")
    await page.get_by_test_id("claim").click()
    await expect(page.get_by_test_id("pick-step")).to_have_attribute("data-step", "location")
    await audit("picker-location")
    await page.get_by_label("Scan the location").fill("WH1-Z99-99-9")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("alert")).to_be_visible()
    await audit("picker-refused")
    for tab in ("Count", "Refill", "Pack"):
        await page.get_by_role("navigation", name="Sections").get_by_role("button", name=tab, exact=True).click()
        await expect(page.get_by_role("navigation", name="Sections").get_by_role("button", name=tab)).to_have_attribute(
            "aria-current", "page"
        )
        await audit(f"picker-{tab.lower()}")


async def _receiver(page: Page, floor: Floor, audit: Callable[[str], Awaitable[None]]) -> None:
    await log_in(page, floor, "receiver1")
    await audit("receiver-receive")
    await page.get_by_role("button", name="Putaway").click()
    await audit("receiver-putaway")


async def _rep(page: Page, floor: Floor, audit: Callable[[str], Awaitable[None]]) -> None:
    await log_in(page, floor, "rep1")
    await expect(page.get_by_test_id("catalog").get_by_role("listitem").first).to_be_visible()
    await audit("rep-catalog")
    await page.get_by_test_id("catalog").get_by_role("listitem").first.locator(".item-button").click()
    await expect(page.get_by_role("dialog")).to_be_visible()
    await audit("rep-item-detail")
    await page.get_by_role("button", name="Close").click()
    await page.get_by_role("button", name="Customer", exact=True).click()
    await page.get_by_role("button", name="Choose").first.click()
    await audit("rep-customers")
    await page.get_by_role("button", name="Catalog", exact=True).click()
    await page.get_by_role("button", name="Add", exact=False).first.click()
    await page.get_by_role("button", name="Cart (1)").click()
    await audit("rep-cart")
    await page.get_by_role("button", name="Orders", exact=True).click()
    await expect(page.get_by_test_id("orders").get_by_role("listitem").first).to_be_visible()
    await audit("rep-orders")


async def _supervisor(page: Page, floor: Floor, audit: Callable[[str], Awaitable[None]]) -> None:
    await log_in(page, floor, "super1")
    await expect(page.get_by_test_id("board").locator(".task").first).to_be_visible()
    await audit("supervisor-board")
    for tab in ("Waves", "Exceptions", "Approvals"):
        await page.get_by_role("button", name=tab, exact=True).click()
        await audit(f"supervisor-{tab.lower()}")


ROLES = {"picker": _picker, "receiver": _receiver, "rep": _rep, "supervisor": _supervisor}


@pytest.mark.parametrize("viewport", list(VIEWPORTS), ids=list(VIEWPORTS))
async def test_every_roles_screens_have_no_serious_axe_violations_and_48px_targets(
    floor: Floor, browser: Browser, contexts: list[BrowserContext], viewport: str
) -> None:
    [item] = await stocked_items(floor, 1)
    await floor.call(
        "super1", "POST", "/api/warehouses/WH1/waves", {"orders": [await allocated_order(floor, item["sku"], 2)]}, 201
    )
    found: dict[str, list[Any]] = {}
    for role, visit in ROLES.items():
        page = await _page(browser, contexts, VIEWPORTS[viewport])

        async def audit(screen: str, page: Page = page) -> None:
            await _audit(page, f"{viewport}/{screen}", found)
            if screen in {"picker-location", "rep-catalog", "supervisor-board", "receiver-receive"}:
                await screenshot(page, f"{screen.split('-')[0]}-{viewport}")

        await visit(page, floor, audit)
        assert role  # every role's screens were visited
    assert found == {}, json.dumps(found, indent=1)  # every finding, untruncated
