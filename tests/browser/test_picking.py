"""Picking in the browser: guided wedge scans, the supervisor's board following live, a short pick
landing in the supervisor's exception queue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tests.browser.barcodes import write_y4m
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    HANDHELD,
    Floor,
    allocated_order,
    badge_log_in,
    device,
    log_in,
    screenshot,
    stocked_items,
    wedge,
)

pytestmark = pytest.mark.e2e


async def _wave(floor: Floor, orders: list[str]) -> dict[str, Any]:
    wave: dict[str, Any] = await floor.call("super1", "POST", "/api/warehouses/WH1/waves", {"orders": orders}, 201)
    return wave


async def _claim(page: Page) -> None:
    await page.get_by_test_id("claim").click()
    await expect(page.get_by_test_id("pick-step")).to_have_attribute("data-step", "location")


async def test_a_pick_made_with_wedge_scans_moves_the_task_on_the_supervisors_board_live(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    [item] = await stocked_items(floor, 1)
    wave = await _wave(floor, [await allocated_order(floor, item["sku"], 3)])
    [task] = wave["tasks"]
    _, board = await device(browser, contexts, HANDHELD)
    await log_in(board, floor, "super1")
    card = board.locator(f'[data-task="{task["id"]}"]')
    await expect(card).to_have_attribute("data-state", "open")

    _, page = await device(browser, contexts)
    await badge_log_in(page, floor, "1001", "1234")
    await _claim(page)
    await expect(card).to_have_attribute("data-state", "assigned")
    await expect(board.get_by_test_id("online")).to_contain_text("picker1")
    step = page.get_by_test_id("pick-step")
    await expect(page.get_by_test_id("location")).to_have_text(item["location"])
    await screenshot(page, "picker")

    await wedge(page, "WH1-A01-01-1" if item["location"] != "WH1-A01-01-1" else "WH1-A01-02-1")
    await expect(page.get_by_role("alert")).to_contain_text("Wrong location")
    await expect(step).to_have_attribute("data-step", "location")
    await wedge(page, item["location"])
    await expect(step).to_have_attribute("data-step", "item")
    await expect(card).to_have_attribute("data-state", "in_progress")
    await wedge(page, item["gtin"])
    await expect(step).to_have_attribute("data-step", "quantity")
    await expect(page.get_by_label("Quantity picked (of 3)")).to_be_focused()
    await page.keyboard.press("Enter")  # the expected quantity is filled in
    await expect(step).to_have_attribute("data-step", "tote")
    await wedge(page, task["tote"])
    picked = page.get_by_role("status").filter(has_text=f"Picked 3 \N{MULTIPLICATION SIGN} {item['sku']}")
    await expect(picked).to_be_visible()
    await expect(page.get_by_text("Trip complete")).to_be_visible()
    await expect(card).to_have_attribute("data-state", "done")
    await screenshot(board, "supervisor")

    state = await floor.scalar("SELECT state FROM tasks WHERE id = :id", id=task["id"])
    staged = await floor.scalar(
        "SELECT sum(b.on_hand) FROM stock_balances b JOIN items i ON i.id = b.item_id"
        " JOIN locations l ON l.id = b.location_id WHERE i.sku = :s AND l.kind = 'staging'",
        s=item["sku"],
    )
    assert (state, staged) == ("done", 3)


async def test_a_short_pick_reaches_the_exception_queue_where_the_supervisor_acknowledges_it(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    [item] = await stocked_items(floor, 1)
    wave = await _wave(floor, [await allocated_order(floor, item["sku"], 5)])
    [task] = wave["tasks"]
    _, desk = await device(browser, contexts, HANDHELD)
    await log_in(desk, floor, "super1")
    await desk.get_by_role("button", name="Exceptions").click()
    await expect(desk.get_by_test_id("exceptions")).to_contain_text("Nothing waiting")

    _, page = await device(browser, contexts)
    await badge_log_in(page, floor, "1002", "2345")
    await _claim(page)
    await wedge(page, item["location"])
    await wedge(page, item["gtin"])
    quantity = page.get_by_label("Quantity picked (of 5)")
    await quantity.fill("2")
    await quantity.press("Enter")
    await expect(page.get_by_role("button", name="Confirm short pick: 2 of 5")).to_be_visible()
    await page.get_by_role("button", name="Confirm short pick: 2 of 5").click()
    await expect(page.get_by_test_id("pick-step")).to_have_attribute("data-step", "tote")
    await wedge(page, task["tote"])
    await expect(page.get_by_role("status").filter(has_text="Short pick recorded")).to_be_visible()

    row = desk.get_by_test_id("exceptions").get_by_role("listitem").filter(has_text=f"Short pick at {item['location']}")
    await expect(row).to_be_visible()
    await row.get_by_role("button", name="Acknowledge").click()
    await expect(row).to_contain_text("acknowledged")
    found = await floor.rows(
        "SELECT kind, state, acknowledged_by FROM exceptions WHERE subject = :s", s=f"task:{task['ref']}"
    )
    assert [tuple(r) for r in found] == [("short_pick", "acknowledged", "super1")]


async def test_the_camera_reads_the_item_barcode_with_the_polyfill_served_by_the_app(
    floor: Floor, tmp_path: Path
) -> None:
    [item] = await stocked_items(floor, 1)
    wave = await _wave(floor, [await allocated_order(floor, item["sku"], 1)])
    assert len(wave["tasks"]) == 1
    video = tmp_path / "barcode.y4m"
    write_y4m(video, item["gtin"])
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *camera])
        try:
            context = await browser.new_context(viewport=HANDHELD, permissions=["camera"])
            page = await context.new_page()
            await badge_log_in(page, floor, "1001", "1234")
            await _claim(page)
            await wedge(page, item["location"])
            step = page.get_by_test_id("pick-step")
            await expect(step).to_have_attribute("data-step", "item")
            # Linux Chromium has no BarcodeDetector: this reads with the zxing polyfill and its wasm from us
            async with page.expect_response(lambda r: r.url.endswith(".wasm"), timeout=30_000) as wasm:
                await page.get_by_role("button", name="Camera").click()
            assert (await wasm.value).url.startswith(floor.url)
            await expect(step).to_have_attribute("data-step", "quantity", timeout=30_000)
            await expect(page.get_by_role("dialog", name="Camera scanner")).to_be_hidden()
            await expect(page.get_by_label("Quantity picked (of 1)")).to_be_focused()
            await page.keyboard.press("Enter")
            await expect(step).to_have_attribute("data-step", "tote")
            await wedge(page, wave["tasks"][0]["tote"])
            await expect(page.get_by_text("Trip complete")).to_be_visible()
        finally:
            await browser.close()


async def test_a_supervisor_puts_a_claimed_task_back_in_the_pool_from_the_board(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    [item] = await stocked_items(floor, 1)
    wave = await _wave(floor, [await allocated_order(floor, item["sku"], 2)])
    [task] = wave["tasks"]
    _, board = await device(browser, contexts, HANDHELD)
    await log_in(board, floor, "super1")
    card = board.locator(f'[data-task="{task["id"]}"]')
    await expect(card).to_have_attribute("data-state", "open")
    claimed = await floor.call("picker2", "POST", "/api/warehouses/WH1/tasks/next", {"wave": wave["id"]})
    assert claimed["task"]["id"] == task["id"]
    await expect(card).to_have_attribute("data-state", "assigned")
    await expect(card).to_contain_text("picker2")
    await card.get_by_label(f"Reassign task {task['id']}").select_option("-")
    await expect(card).to_have_attribute("data-state", "open")
    state = await floor.rows("SELECT state, claimed_by FROM tasks WHERE id = :id", id=task["id"])
    assert [tuple(r) for r in state] == [("open", None)]
