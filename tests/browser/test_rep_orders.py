"""A rep changes and cancels orders on the 1024x768 tablet (and the 360x640 handheld): what may still
change is the server's rule, shown live as the warehouse moves the order on; a change the warehouse
overtook is refused in plain words."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.audit import assert_accessible
from tests.browser.conftest import (
    HANDHELD,
    TABLET,
    Floor,
    allocated_order,
    controlled,
    device,
    log_in,
    screenshot,
    stocked_items,
)

pytestmark = pytest.mark.e2e


async def _open(page: Page, number: str) -> Locator:
    """The rep's Orders tab with the change panel of ``number`` open."""
    await page.get_by_role("navigation", name="Sections").get_by_role("button", name="Orders", exact=True).click()
    await page.get_by_role("button", name=f"Change or cancel order {number}").click()
    panel = page.get_by_test_id("order-edit")
    await expect(panel).to_have_attribute("data-order", number)
    return panel


async def _order(floor: Floor, number: str) -> list[tuple[Any, ...]]:
    """(status, line qty, allocated, allocations held) of a one-line order."""
    rows = await floor.rows(
        "SELECT o.status, l.qty, l.qty_allocated, (SELECT coalesce(sum(a.qty), 0) FROM allocations a"
        " WHERE a.order_id = o.id) AS held FROM sales_orders o JOIN sales_order_lines l ON l.order_id = o.id"
        " WHERE o.number = :n",
        n=number,
    )
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("viewport", [TABLET, HANDHELD], ids=["tablet", "handheld"])
async def test_a_rep_changes_a_line_and_cancels_an_order_and_the_stock_follows(
    floor: Floor, browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int]
) -> None:
    [item] = await stocked_items(floor, 1)
    number = await allocated_order(floor, item["sku"], 5)
    _, page = await device(browser, contexts, viewport)
    await log_in(page, floor, "rep1")
    panel = await _open(page, number)
    await expect(panel.get_by_test_id("edit-limits")).to_be_hidden()
    await assert_accessible(page, "rep-order-panel")

    await panel.get_by_label(f"New quantity of {item['sku']}").fill("3")
    await panel.get_by_role("button", name="Save").click()
    await expect(panel.get_by_role("status")).to_contain_text(f"change {item['sku']} to 3 done")
    assert await _order(floor, number) == [("allocated", 3, 3, 3)]

    await panel.get_by_role("button", name="Cancel order").click()
    await expect(panel.get_by_role("alertdialog")).to_be_visible()
    await assert_accessible(page, "rep-order-cancel")
    await panel.get_by_role("alertdialog").get_by_role("button", name="Yes, cancel the order").click()
    await expect(panel.get_by_test_id("edit-status")).to_have_text("cancelled")
    await expect(panel.get_by_test_id("edit-limits")).to_contain_text("can no longer change or be cancelled")
    await expect(panel.get_by_role("button", name="Cancel order")).to_be_disabled()
    await expect(page.get_by_role("button", name=f"View order {number}")).to_be_visible()
    assert await _order(floor, number) == [("cancelled", 3, 0, 0)]


async def test_the_panel_follows_the_warehouse_live_what_can_still_change(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    [item] = await stocked_items(floor, 1)
    number = await allocated_order(floor, item["sku"], 2)
    _, page = await device(browser, contexts, TABLET)
    await log_in(page, floor, "rep1")
    panel = await _open(page, number)
    quantity = panel.get_by_label(f"New quantity of {item['sku']}")
    await expect(quantity).to_be_enabled()

    wave = await floor.call("super1", "POST", "/api/warehouses/WH1/waves", {"orders": [number]}, 201)
    limits = panel.get_by_test_id("edit-limits")
    await expect(limits).to_contain_text("released to the warehouse floor")
    await expect(limits).to_contain_text("can still be cancelled")
    await expect(quantity).to_be_disabled()
    await expect(panel.get_by_role("button", name="Cancel order")).to_be_enabled()
    await screenshot(page, "rep-order-change")

    [task] = wave["tasks"]
    await floor.call("picker2", "POST", "/api/warehouses/WH1/tasks/next", {"wave": wave["id"]})
    await floor.call("picker2", "POST", f"/api/warehouses/WH1/tasks/{task['id']}/scans", {"scan": task["location"]})
    await expect(limits).to_contain_text("being picked: it can no longer change or be cancelled")
    await expect(panel.get_by_role("button", name="Cancel order")).to_be_disabled()


async def test_a_change_made_offline_that_the_warehouse_overtook_is_refused_in_plain_words(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    [item] = await stocked_items(floor, 1)
    number = await allocated_order(floor, item["sku"], 4)
    context, page = await device(browser, contexts, TABLET)
    await log_in(page, floor, "rep1")
    await controlled(page)
    panel = await _open(page, number)

    await context.set_offline(True)
    await panel.get_by_label(f"New quantity of {item['sku']}").fill("1")
    await panel.get_by_role("button", name="Save").click()
    await expect(panel.get_by_role("status")).to_contain_text("saved on this device")
    await floor.call("super1", "POST", "/api/warehouses/WH1/waves", {"orders": [number]}, 201)
    await context.set_offline(False)

    refusal = panel.get_by_role("alert")
    await expect(refusal).to_contain_text(f"Too late to change {item['sku']} to 1")
    await expect(refusal).to_contain_text("Call the warehouse")
    await expect(refusal).not_to_contain_text("order.")  # no machine codes in the rep's words
    await expect(panel.get_by_test_id("edit-status")).to_have_text("released to the warehouse floor")
    assert await _order(floor, number) == [("released", 4, 4, 4)]
