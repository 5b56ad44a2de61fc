"""Receiving at the dock in the browser: open an ASN by scanning a pallet, confirm the pallet and a
loose line with a damaged unit, close with the variances shown, then put the stock away."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, expect

from scanners.gs1 import with_check_digit
from tests.browser.conftest import Floor, device, log_in, screenshot, stocked_items, wedge

pytestmark = pytest.mark.e2e


def _sscc() -> str:
    body = "0" + "0614141" + f"{secrets.randbelow(10**9):09d}"
    return with_check_digit(body)


async def _delivery(floor: Floor) -> tuple[dict[str, Any], dict[str, Any], str, str]:
    """A PO of two items and its ASN: one on a pallet (SSCC) of 10, one loose line of 6."""
    pallet_item, loose_item = await stocked_items(floor, 2)
    po = f"PO-{secrets.token_hex(4).upper()}"
    lines = [
        {"sku": pallet_item["sku"], "qty": 10, "unit_cost": 250},
        {"sku": loose_item["sku"], "qty": 6, "unit_cost": 120},
    ]
    order = {"number": po, "supplier": "Acme", "warehouse": "WH1", "expected_date": "2026-12-01", "lines": lines}
    await floor.call("super1", "POST", "/api/purchase-orders", order, 201)
    sscc = _sscc()
    asn = {
        "number": f"ASN-{secrets.token_hex(4).upper()}",
        "purchase_order": po,
        "pallets": [{"sscc": sscc, "lines": [{"po_line": 1, "sku": pallet_item["sku"], "qty": 10}]}],
        "lines": [{"po_line": 2, "sku": loose_item["sku"], "qty": 6}],
    }
    await floor.call("super1", "POST", "/api/asns", asn, 201)
    return pallet_item, loose_item, sscc, str(asn["number"])


async def test_a_delivery_is_received_closed_with_its_variances_and_put_away(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    pallet_item, loose_item, sscc, asn = await _delivery(floor)
    _, page = await device(browser, contexts)
    await log_in(page, floor, "receiver1")
    await expect(page.get_by_label("Dock door")).to_have_value("WH1-DOCK-01")
    await wedge(page, sscc)
    await expect(page.get_by_role("heading", name=f"ASN {asn}")).to_be_visible()
    await wedge(page, f"(00){sscc}")
    received = page.get_by_test_id("received")
    await expect(received).to_contain_text(pallet_item["sku"])
    await wedge(page, loose_item["gtin"])
    await page.get_by_label("Good quantity").fill("4")
    await page.get_by_label("Damaged quantity").fill("1")
    await page.get_by_label("Why damaged").fill("crushed corner")
    await screenshot(page, "receiver")
    await page.get_by_role("button", name="Confirm line").click()
    await expect(received).to_contain_text("4 + 1 damaged")

    await page.get_by_role("button", name="Close receipt").click()
    await expect(page.get_by_text("2 putaway task(s) created.")).to_be_visible()
    # 6 announced, 4 good + 1 damaged arrived: short by 1, and 1 damaged
    shown = page.get_by_role("listitem").filter(has_text=loose_item["sku"]).filter(has_text="of 6")
    await expect(shown.filter(has_text="short")).to_be_visible()
    await expect(shown.filter(has_text="damaged")).to_be_visible()
    raised = await floor.rows(
        "SELECT details->>'kind' AS kind FROM exceptions WHERE kind = 'receipt_variance' AND message LIKE :m",
        m=f"% of {loose_item['sku']}%",
    )
    assert sorted(r.kind for r in raised) == ["damaged", "short"]

    await page.get_by_role("button", name="Start putaway").click()
    await page.get_by_role("button", name="Next putaway").click()
    source = await page.get_by_test_id("from-location").inner_text()
    target = await page.get_by_test_id("to-location").inner_text()
    await wedge(page, source)
    sku = await page.locator(".facts strong").first.inner_text()
    gtin = {pallet_item["sku"]: pallet_item["gtin"], loose_item["sku"]: loose_item["gtin"]}[sku]
    await wedge(page, gtin)
    await expect(page.get_by_role("textbox", name="Scan the destination bin")).to_be_focused()
    await wedge(page, target)
    await expect(page.get_by_role("status").filter(has_text="Put away")).to_be_visible()
    moved = await floor.scalar(
        "SELECT b.on_hand FROM stock_balances b JOIN items i ON i.id = b.item_id"
        " JOIN locations l ON l.id = b.location_id WHERE i.sku = :s AND l.code = :l AND b.status = 'available'",
        s=sku,
        l=target,
    )
    assert moved is not None and moved >= (10 if sku == pallet_item["sku"] else 4)


async def test_lines_confirmed_offline_at_the_dock_are_booked_once_when_back_online(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    pallet_item, loose_item, sscc, asn = await _delivery(floor)
    context, page = await device(browser, contexts)
    await log_in(page, floor, "receiver1")
    await expect(page.get_by_label("Dock door")).to_have_value("WH1-DOCK-01")
    await wedge(page, asn)
    await expect(page.get_by_role("heading", name=f"ASN {asn}")).to_be_visible()
    await context.set_offline(True)
    await wedge(page, sscc)
    await wedge(page, loose_item["gtin"])
    await page.get_by_label("Good quantity").fill("6")
    await page.get_by_role("button", name="Confirm line").click()
    received = page.get_by_test_id("received")
    await expect(received.get_by_role("listitem").filter(has_text="queued")).to_have_count(2)
    await expect(page.get_by_test_id("offline-banner")).to_contain_text("2 actions queued")

    await context.set_offline(False)
    await expect(received.get_by_role("listitem").filter(has_text="queued")).to_have_count(0)
    await expect(received).to_contain_text(pallet_item["sku"])
    await expect(received).to_contain_text(loose_item["sku"])
    booked = await floor.rows(
        "SELECT i.sku, rl.qty_good FROM receipt_lines rl JOIN items i ON i.id = rl.item_id"
        " JOIN receipts r ON r.id = rl.receipt_id JOIN asns a ON a.id = r.asn_id WHERE a.number = :n ORDER BY i.sku",
        n=asn,
    )
    assert sorted((r.sku, r.qty_good) for r in booked) == sorted([(pallet_item["sku"], 10), (loose_item["sku"], 6)])
