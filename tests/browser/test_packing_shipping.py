"""Packing and ship-confirm on the 360x640 handheld (and the 1024x768 tablet): totes scanned into a
unit that gets its SSCC label, a tote of another order refused, then the unit's SSCC scanned at the
dock and shipped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, async_playwright, expect

from scanners.gs1 import has_valid_check_digit
from tests.browser.audit import assert_accessible
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    HANDHELD,
    TABLET,
    Floor,
    allocated_order,
    device,
    log_in,
    screenshot,
    stocked_items,
    wedge,
)
from tests.browser.floor_helpers import assert_on_screen, label_modules, new_worker, worker_log_in, write_modules_y4m

pytestmark = pytest.mark.e2e


async def _picked_orders(floor: Floor, count: int) -> list[dict[str, Any]]:
    """Orders of one wave, each picked in full (over the API) into its tote: [{number, tote}]."""
    items = await stocked_items(floor, count)
    gtin = {i["sku"]: i["gtin"] for i in items}
    numbers = [await allocated_order(floor, i["sku"], 2) for i in items]
    wave = await floor.call("super1", "POST", "/api/warehouses/WH1/waves", {"orders": numbers}, 201)
    for task in wave["tasks"]:
        await floor.call("picker1", "POST", "/api/warehouses/WH1/tasks/next", {"wave": wave["id"]})
        for body in (
            {"scan": task["location"]},
            {"scan": gtin[task["sku"]]},
            {"qty": task["qty"]},
            {"scan": task["tote"]},
        ):
            answer = await floor.call("picker1", "POST", f"/api/warehouses/WH1/tasks/{task['id']}/scans", body)
        assert answer["task"]["state"] == "done", answer
    totes = {t["order"]: t["tote"] for t in wave["tasks"]}
    return [{"number": n, "tote": totes[n]} for n in numbers]


@pytest.mark.parametrize("viewport", [HANDHELD, TABLET], ids=["handheld", "tablet"])
async def test_totes_are_packed_into_a_labelled_unit_and_shipped_from_the_dock_by_scanning_its_sscc(
    floor: Floor, browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int]
) -> None:
    first, second = await _picked_orders(floor, 2)
    assert first["tote"] != second["tote"]
    _, page = await device(browser, contexts, viewport)
    await worker_log_in(page, floor, await new_worker(floor), tab="Pack")
    step = page.get_by_test_id("pack-step")
    await expect(page.get_by_test_id("to-pack")).to_contain_text(first["number"])
    await assert_on_screen(page.get_by_label("Scan a tote or the order number"), viewport)
    await assert_accessible(page, "pack-bench")

    await wedge(page, first["tote"])
    await expect(page.get_by_role("heading", name=f"Pack order {first['number']}")).to_be_visible()
    await expect(page.get_by_test_id("unit")).to_have_text(first["tote"])
    await wedge(page, second["tote"])
    await expect(page.get_by_role("alert")).to_contain_text(f"holds nothing of order {first['number']}")
    await expect(step).to_have_attribute("data-step", "close")
    close = page.get_by_test_id("close-unit")
    await assert_on_screen(close, viewport)
    await assert_accessible(page, "pack-unit")
    await close.click()
    label = page.get_by_test_id("sscc-label")
    await expect(label).to_be_visible()
    await expect(page.get_by_role("status").filter(has_text=f"Order {first['number']} is packed")).to_be_visible()
    sscc = await label.get_attribute("data-sscc")
    units = await floor.rows(
        "SELECT u.sscc, u.totes FROM shipping_units u JOIN sales_orders o ON o.id = u.order_id WHERE o.number = :n",
        n=first["number"],
    )
    assert [(r.sscc, list(r.totes)) for r in units] == [(sscc, [first["tote"]])]
    assert sscc and has_valid_check_digit(sscc)
    readable = f"(00) {sscc[0]} {sscc[1:8]} {sscc[8:17]} {sscc[17]}"
    await expect(page.get_by_test_id("sscc-text")).to_have_text(readable)
    await expect(page.get_by_role("img", name=f"SSCC barcode {sscc}")).to_be_visible()
    await expect(page.get_by_role("button", name="Print label")).to_be_visible()
    await assert_accessible(page, "pack-label")
    if viewport == HANDHELD:
        await screenshot(page, "packing-label")

    # the second order by its number: the bench shows its tote, the unit is packed the same way
    await wedge(page, second["number"])
    await expect(page.get_by_test_id("unpacked")).to_have_text(second["tote"])
    await wedge(page, second["tote"])
    await page.get_by_test_id("close-unit").click()
    await expect(page.get_by_role("status").filter(has_text=f"Order {second['number']} is packed")).to_be_visible()

    # at the dock, a supervisor loads the first order's unit only and confirms its shipment
    _, dock = await device(browser, contexts, viewport)
    await log_in(dock, floor, "super1", path="/picker")
    await dock.get_by_role("navigation", name="Sections").get_by_role("button", name="Pack", exact=True).click()
    await dock.get_by_role("button", name="Ship", exact=True).click()
    to_ship = dock.get_by_test_id("to-ship")
    await expect(to_ship.locator(f'[data-order="{first["number"]}"]')).to_contain_text("0 of 1 loaded")
    confirm = dock.get_by_test_id("confirm-shipment")
    await expect(confirm).to_be_disabled()
    await assert_accessible(dock, "ship")
    await wedge(dock, "00123456789012345678")
    await expect(dock.get_by_role("alert")).to_contain_text("no packed unit")
    await wedge(dock, f"00{sscc}")  # the GS1-128 element string a scanner sends
    await expect(to_ship.locator(f'[data-order="{first["number"]}"]')).to_contain_text("1 of 1 loaded")
    await expect(confirm).to_have_text("Confirm shipment of 1 order")
    await assert_on_screen(dock.get_by_label("Scan each unit's SSCC as it is loaded"), viewport)
    await assert_on_screen(confirm, viewport)
    await assert_accessible(dock, "ship-loaded")
    await dock.get_by_label("Carrier (optional)").fill("DHL")
    await confirm.click()
    await expect(dock.get_by_role("status").filter(has_text="confirmed")).to_contain_text(first["number"])
    await expect(to_ship.locator(f'[data-order="{first["number"]}"]')).to_be_hidden()

    shipped = await floor.rows(
        "SELECT o.number, o.status, s.carrier, s.confirmed_by FROM sales_orders o"
        " LEFT JOIN shipments s ON s.id = o.shipment_id WHERE o.number = ANY(:n) ORDER BY o.number",
        n=[first["number"], second["number"]],
    )
    assert sorted(tuple(r) for r in shipped) == sorted(
        [(first["number"], "shipped", "DHL", "super1"), (second["number"], "picked", None, None)]
    )


async def test_the_label_on_screen_reads_back_through_the_dock_camera_as_its_sscc(
    floor: Floor, browser: Browser, contexts: list[BrowserContext], tmp_path: Path
) -> None:
    [order] = await _picked_orders(floor, 1)
    _, page = await device(browser, contexts)
    await worker_log_in(page, floor, await new_worker(floor), tab="Pack")
    await wedge(page, order["tote"])
    await page.get_by_test_id("close-unit").click()
    label = page.get_by_test_id("sscc-label")
    await expect(label).to_be_visible()
    video = tmp_path / "label.y4m"
    write_modules_y4m(video, await label_modules(page))

    # a dock handheld whose camera sees that label: the app's own decoder gives the SSCC back
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    async with async_playwright() as playwright:
        dock_browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *camera])
        try:
            context = await dock_browser.new_context(viewport=HANDHELD, permissions=["camera"])
            dock = await context.new_page()
            await log_in(dock, floor, "super1", path="/picker")
            await dock.get_by_role("navigation", name="Sections").get_by_role("button", name="Pack", exact=True).click()
            await dock.get_by_role("button", name="Ship", exact=True).click()
            row = dock.get_by_test_id("to-ship").locator(f'[data-order="{order["number"]}"]')
            await expect(row).to_contain_text("0 of 1 loaded")
            await dock.get_by_role("button", name="Camera").click()
            await expect(row).to_contain_text("1 of 1 loaded", timeout=30_000)
            await expect(dock.get_by_role("status").filter(has_text="fully loaded")).to_contain_text(order["number"])
            await context.close()
        finally:
            await dock_browser.close()
