"""Money reads in the currency's units, as the browser's Intl.NumberFormat writes it (EUR with two
decimals), never as minor units: the rep's prices and a credit hold, the supervisor's held order
and a count variance waiting for approval, whose in-app dialog passes axe at both screen sizes."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.audit import assert_accessible
from tests.browser.conftest import HANDHELD, TABLET, Floor, log_in, stocked_items

pytestmark = pytest.mark.e2e


def euros(minor: int) -> str:
    """What en-US Intl.NumberFormat writes for an amount of EUR cents: €1,234.50, -€3.20."""
    units, cents = divmod(abs(minor), 100)
    return f"{'-' if minor < 0 else ''}€{units:,}.{cents:02d}"


async def _page(browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int]) -> Page:
    # a fixed locale, so the amounts on screen can be spelled out here
    context = await browser.new_context(viewport=viewport, locale="en-US")  # type: ignore[arg-type]
    contexts.append(context)
    page = await context.new_page()
    page.set_default_timeout(15_000)
    return page


async def _variance_for_approval(floor: Floor) -> dict[str, Any]:
    """A count of one item finding 500 more than the books: too costly to book without a supervisor."""
    [item] = await stocked_items(floor, 1)
    body = {"location": item["location"], "sku": item["sku"]}
    task_id = (await floor.call("super1", "POST", "/api/warehouses/WH1/counts", body, 201))["task"]["id"]
    worker = "picker2"  # a demo picker: nothing else in this module gives it work
    await floor.call(worker, "POST", "/api/warehouses/WH1/tasks/next", {"kinds": ["count"]})
    scans = f"/api/warehouses/WH1/tasks/{task_id}/scans"
    for scan in ({"scan": item["location"]}, {"scan": item["gtin"]}, {"qty": item["free"] + 500}):
        await floor.call(worker, "POST", scans, scan)
    await floor.call(worker, "POST", f"/api/warehouses/WH1/counts/{task_id}/finish")
    [row] = await floor.rows(
        "SELECT (details->>'variance_value')::bigint AS value, details->>'currency' AS currency FROM approvals"
        " WHERE details->>'task' = :t",
        t=str(task_id),
    )
    assert row.currency == "EUR" and row.value > 0
    return {"sku": item["sku"], "value": int(row.value)}


@pytest.mark.parametrize("viewport", [HANDHELD, TABLET], ids=["handheld", "tablet"])
async def test_prices_credit_holds_and_variances_read_in_euros_never_in_minor_units(
    floor: Floor, browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int]
) -> None:
    [item] = await stocked_items(floor, 1)
    code = await floor.scalar(
        "SELECT c.code FROM customers c JOIN users u ON u.id = c.sales_rep_id WHERE u.username = 'rep1'"
        " AND c.currency = 'EUR' AND c.warehouse = 'WH1' AND c.code <> 'CUST-020' ORDER BY c.code DESC LIMIT 1"
    )
    [price] = await floor.call("rep1", "GET", f"/api/customers/{code}/prices?sku={item['sku']}")
    assert price["unit_price"]["currency"] == "EUR"
    unit = int(price["unit_price"]["amount"])

    rep = await _page(browser, contexts, viewport)
    await log_in(rep, floor, "rep1")
    await rep.get_by_role("button", name="Customer", exact=True).click()
    await rep.get_by_label("Search customers").fill(code)
    await rep.get_by_role("listitem").filter(has_text=code).get_by_role("button", name="Choose").click()
    await rep.get_by_role("button", name="Catalog", exact=True).click()
    await rep.get_by_test_id("catalog-search").fill(item["sku"])
    line = rep.get_by_test_id("catalog").locator(f'[data-sku="{item["sku"]}"]')
    await expect(line.locator(".price")).to_have_text(euros(unit))

    # an order past the customer's credit is held; the reason names euros, as the total does
    customer = await floor.call("rep1", "GET", f"/api/customers/{code}")
    too_many = max(customer["credit"]["available"], 0) // unit + 1
    body = {"customer": code, "warehouse": "WH1", "lines": [{"sku": item["sku"], "qty": too_many}]}
    held = await floor.call("rep1", "POST", "/api/orders", body, status=201)
    assert held["status"] == "on_hold", held
    limit = int(customer["credit"]["limit"])
    await rep.get_by_role("button", name="Orders", exact=True).click()
    row = rep.get_by_test_id("orders").locator(f'[data-order="{held["number"]}"]')
    await expect(row).to_contain_text(euros(int(held["total"]["amount"])))
    reason = row.get_by_test_id("hold-reason")
    await expect(reason).to_contain_text(f"over the credit limit of {limit // 100:,}.{limit % 100:02d} EUR")
    assert "minor" not in (await rep.locator("main").inner_text()).lower()

    variance = await _variance_for_approval(floor)
    desk = await _page(browser, contexts, viewport)
    await log_in(desk, floor, "super1")
    await desk.get_by_role("button", name="Approvals", exact=True).click()
    held_row = desk.get_by_test_id("held-orders").get_by_role("listitem").filter(has_text=held["number"])
    await expect(held_row).to_contain_text(euros(int(held["total"]["amount"])))
    await expect(held_row).to_contain_text("over the credit limit of")
    details = desk.get_by_test_id("approval-details").filter(has_text=variance["sku"])
    await expect(details).to_contain_text(f"variance value {euros(variance['value'])}")
    assert "minor" not in (await desk.locator("main").inner_text()).lower()

    # deciding it asks in the app's own dialog, which passes axe and has 48 px targets
    approval = desk.get_by_role("listitem").filter(has=details)
    await approval.get_by_role("button", name="Approve").click()
    dialog = desk.get_by_role("dialog")
    await expect(dialog.get_by_label("Why approve? (kept with the decision)")).to_be_visible()
    await assert_accessible(desk, "approval-dialog")
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_be_hidden()
    await floor.call("super1", "POST", f"/api/orders/{held['number']}/cancel")  # the customer's credit back
