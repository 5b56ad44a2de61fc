"""The field rep: ATP that follows allocations made elsewhere without a reload, and an order taken
offline that reaches the server once when the tablet is back online, then follows its status live."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import (
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


async def _search(page: Page, sku: str) -> None:
    await page.get_by_test_id("catalog-search").fill(sku)
    await expect(page.get_by_test_id("catalog").get_by_role("listitem")).to_have_count(1)


async def test_a_reps_atp_drops_live_when_an_order_is_allocated_elsewhere(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    [item] = await stocked_items(floor, 1)
    _, page = await device(browser, contexts)
    await log_in(page, floor, "rep1")
    await _search(page, item["sku"])
    available = page.get_by_test_id("catalog").locator(f'[data-sku="{item["sku"]}"]').get_by_test_id("available")
    await expect(available).to_have_text(str(item["free"]))
    await screenshot(page, "rep")

    await allocated_order(floor, item["sku"], 4)
    await expect(available).to_have_text(str(item["free"] - 4))

    # the detail shows every warehouse the rep sells from, and follows the same events
    await page.get_by_role("button", name=re.compile(rf"^{item['sku']} .*: availability per warehouse$")).click()
    detail = page.get_by_role("dialog")
    await expect(detail.get_by_test_id("atp-WH1")).to_contain_text(f"{item['free'] - 4} available now")
    await expect(detail.get_by_test_id("atp-WH2")).to_contain_text("available now")
    await allocated_order(floor, item["sku"], 1)
    await expect(detail.get_by_test_id("atp-WH1")).to_contain_text(f"{item['free'] - 5} available now")


async def test_an_order_taken_offline_is_placed_once_when_back_online_and_its_status_follows_live(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    [item] = await stocked_items(floor, 1)
    customer = await floor.scalar(
        "SELECT c.code FROM customers c JOIN users u ON u.id = c.sales_rep_id"
        " WHERE u.username = 'rep1' AND c.warehouse = 'WH1' AND c.code <> 'CUST-020' ORDER BY c.code LIMIT 1"
    )
    context, page = await device(browser, contexts, TABLET)
    await log_in(page, floor, "rep1")
    await page.get_by_role("button", name="Customer", exact=True).click()
    await page.get_by_label("Search customers").fill(customer)
    row = page.get_by_role("listitem").filter(has_text=customer)
    await row.get_by_role("button", name="Choose").click()
    await expect(page.get_by_text(f"({customer})")).to_be_visible()
    await page.get_by_role("button", name="Catalog", exact=True).click()
    await _search(page, item["sku"])
    await page.get_by_role("button", name=f"Add {item['sku']} to the cart").click()
    await page.get_by_role("button", name="Cart (1)").click()
    await page.get_by_label(f"Quantity of {item['sku']}").fill("3")
    await page.get_by_label(f"Quantity of {item['sku']}").press("Tab")
    await screenshot(page, "rep-cart-tablet")

    await context.set_offline(True)
    await page.get_by_role("button", name="Place order").click()
    orders = page.get_by_test_id("orders")
    await expect(orders.get_by_role("listitem").filter(has_text="waiting to send")).to_have_count(1)
    await expect(page.get_by_test_id("offline-banner")).to_contain_text("1 action queued")

    await context.set_offline(False)
    await expect(orders.get_by_role("listitem").filter(has_text="waiting to send")).to_have_count(0)
    placed = await floor.rows(
        "SELECT o.number, o.status, l.qty FROM sales_orders o JOIN customers c ON c.id = o.customer_id"
        " JOIN sales_order_lines l ON l.order_id = o.id JOIN items i ON i.id = l.item_id"
        " WHERE c.code = :c AND i.sku = :s",
        c=customer,
        s=item["sku"],
    )
    assert len(placed) == 1 and placed[0].qty == 3
    number = placed[0].number
    status = orders.locator(f'[data-order="{number}"]').get_by_test_id("order-status")
    await expect(status).to_have_text(placed[0].status.replace("_", " "))

    await floor.call("rep1", "POST", f"/api/orders/{number}/cancel")
    await expect(status).to_have_text("cancelled")


async def test_offline_the_rep_browses_the_kept_catalog_customers_and_prices_with_atp_as_of_its_time(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    [item] = await stocked_items(floor, 1)
    context, page = await device(browser, contexts, TABLET)
    await log_in(page, floor, "rep1")
    await controlled(page)
    await page.get_by_role("button", name="Customer", exact=True).click()
    await page.get_by_label("Search customers").fill("CUST-020")
    row = page.get_by_role("listitem").filter(has_text="CUST-020")
    await row.get_by_role("button", name="Choose").click()
    await page.get_by_label("Search customers").fill("")
    await expect(page.get_by_role("button", name="Choose").nth(2)).to_be_visible()
    await page.get_by_role("button", name="Catalog", exact=True).click()
    await _search(page, item["sku"])
    line = page.get_by_test_id("catalog").locator(f'[data-sku="{item["sku"]}"]')
    await expect(line.locator(".price")).to_be_visible()
    price = await line.locator(".price").inner_text()
    await expect(line.get_by_test_id("as-of")).to_have_count(0)  # live while online

    await context.set_offline(True)
    await page.reload()  # the shell from the service worker, the data from the device
    await page.get_by_test_id("catalog-search").fill(item["sku"].lower())
    await expect(page.get_by_test_id("catalog").get_by_role("listitem")).to_have_count(1)
    await expect(line.get_by_test_id("available")).to_have_text(str(item["free"]))
    await expect(line.get_by_test_id("as-of")).to_contain_text("as of")
    await expect(line.locator(".price")).to_have_text(price)
    await screenshot(page, "rep-offline-tablet")
    await page.get_by_role("button", name="Customer", exact=True).click()
    await page.get_by_label("Search customers").fill("CUST-020")
    await expect(page.get_by_role("listitem").filter(has_text="CUST-020")).to_contain_text("as of")
    # what the rep kept goes with the login: the next person on the tablet sees none of it
    await context.set_offline(False)
    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("button", name="Log in")).to_be_visible()
    kept = await page.evaluate(
        """() => new Promise((done) => {
            const open = indexedDB.open('floorsync')
            open.onsuccess = () => {
              const keys = open.result.transaction('kv').objectStore('kv').getAllKeys()
              keys.onsuccess = () => done(keys.result.filter((k) => String(k).startsWith('cache:')))
            }
        })"""
    )
    assert kept == []
