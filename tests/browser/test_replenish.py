"""Replenishment on the 360x640 handheld and the 1024x768 tablet: the server's prompts from the
reserve bin to the pick face, a quantity above the one asked (or below zero) refused on the device
with the app's own beep and message, and the stock moved in the books."""

from __future__ import annotations

import secrets

import pytest
from playwright.async_api import Browser, BrowserContext, expect

from tests.browser.audit import assert_accessible
from tests.browser.conftest import HANDHELD, TABLET, Floor, device, screenshot, wedge
from tests.browser.floor_helpers import (
    BUZZ_SPY,
    ERROR_BUZZ,
    assert_in_view,
    assert_on_screen,
    buzzes,
    new_worker,
    worker_log_in,
)
from tests.stock_helpers import fresh_gtin

pytestmark = pytest.mark.e2e


async def _face_below_min(floor: Floor) -> tuple[str, str, str, str]:
    """A pick face of a fresh item holding 4 (min 10, max 50) and a reserve bin holding 100."""
    prefix = secrets.token_hex(3).upper()
    face, reserve, zone = f"{prefix}-P01-01-1", f"{prefix}-R09-01-1", f"Z{prefix[:4]}"
    for code, kind, x in ((face, "pick_face", 0), (reserve, "storage", 9)):
        body = {"code": code, "zone": zone, "kind": kind, "x": x}
        await floor.call("super1", "POST", "/api/warehouses/WH1/locations", body, status=201)
    sku, gtin = f"T-{prefix}", fresh_gtin()
    item = {
        "description": f"Refill item {sku}",
        "units": [{"uom": "EA", "factor": 1, "gtin": gtin}, {"uom": "CS", "factor": 12}],
        "lot_tracked": False,
        "standard_cost": 150,
        "list_prices": {"STANDARD": 300, "WHOLESALE": 270},
    }
    await floor.call("admin", "PUT", f"/api/items/{sku}", item)
    await floor.call(
        "super1", "PUT", f"/api/warehouses/WH1/pick-faces/{face}", {"sku": sku, "min_qty": 10, "max_qty": 50}
    )
    for code, qty in ((face, 4), (reserve, 100)):
        body = {"location": code, "sku": sku, "delta": qty, "reason": "adjust.found", "lot": ""}
        await floor.call("super1", "POST", "/api/warehouses/WH1/stock/adjustments", body, status=201)
    return face, reserve, sku, gtin


async def _on_hand(floor: Floor, location: str, sku: str) -> int:
    qty = await floor.scalar(
        "SELECT coalesce(sum(b.on_hand), 0) FROM stock_balances b JOIN locations l ON l.id = b.location_id"
        " JOIN items i ON i.id = b.item_id WHERE l.code = :l AND i.sku = :s",
        l=location,
        s=sku,
    )
    return int(qty)


@pytest.mark.parametrize("viewport", [HANDHELD, TABLET], ids=["handheld", "tablet"])
async def test_a_replenishment_follows_the_servers_prompts_and_moves_reserve_stock_to_the_face(
    floor: Floor, browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int]
) -> None:
    face, reserve, sku, gtin = await _face_below_min(floor)
    planned = await floor.call("super1", "POST", "/api/warehouses/WH1/replenishment", {"locations": [face]}, 201)
    [task] = planned["tasks"]
    assert task["qty"] == 46

    context, page = await device(browser, contexts, viewport)
    await context.add_init_script(BUZZ_SPY)
    await worker_log_in(page, floor, await new_worker(floor), tab="Refill")
    await assert_accessible(page, "refill-claim")
    await page.get_by_test_id("claim-replenish").click()
    step = page.get_by_test_id("replenish-step")
    await expect(step).to_have_attribute("data-step", "location")
    await expect(page.get_by_test_id("location")).to_have_text(reserve)
    await expect(page.get_by_test_id("to-location")).to_have_text(face)
    await expect(page.get_by_test_id("qty")).to_have_text("46")
    # the heading names the work, not the server's task number
    await expect(page.get_by_role("heading", name="Replenish", exact=True)).to_be_visible()
    await assert_on_screen(page.get_by_label("Scan the reserve location"), viewport)
    await assert_accessible(page, "refill-location")

    await wedge(page, face)
    await expect(page.get_by_role("alert")).to_contain_text(f"Wrong location {face}")
    await wedge(page, reserve)
    await expect(step).to_have_attribute("data-step", "item")
    await wedge(page, gtin)
    await expect(step).to_have_attribute("data-step", "quantity")
    quantity = page.get_by_label("How many did you take? (46 asked)")
    await expect(quantity).to_have_value("46")
    # refused by the screen with the error beep and buzz, never a browser validation bubble
    for wrong, message in (("47", "more than the 46 asked"), ("-1", "a whole number, 0 or more")):
        buzzed = len(await buzzes(page))
        await quantity.fill(wrong)
        await quantity.press("Enter")
        await expect(page.get_by_role("alert")).to_contain_text(message)
        assert (await buzzes(page))[buzzed:] == [ERROR_BUZZ]
        await expect(step).to_have_attribute("data-step", "quantity")
    await assert_on_screen(quantity, viewport)
    await assert_on_screen(page.get_by_role("button", name="Confirm"), viewport)
    await assert_in_view(page.get_by_role("alert"), viewport)
    await assert_accessible(page, "refill-quantity-refused")
    await quantity.fill("46")
    await quantity.press("Enter")
    await expect(step).to_have_attribute("data-step", "to_location")
    await assert_on_screen(page.get_by_label("Scan the pick face"), viewport)
    if viewport == HANDHELD:
        await screenshot(page, "replenish")
    await wedge(page, face)
    await expect(
        page.get_by_role("status").filter(has_text=f"Moved 46 \N{MULTIPLICATION SIGN} {sku} to {face}")
    ).to_be_visible()
    await expect(page.get_by_test_id("claim-replenish")).to_be_visible()

    state = await floor.scalar("SELECT state FROM tasks WHERE id = :id", id=task["id"])
    assert (state, await _on_hand(floor, face, sku), await _on_hand(floor, reserve, sku)) == ("done", 50, 54)
