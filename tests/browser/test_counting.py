"""Blind cycle counts on the 360x640 handheld (and the 1024x768 tablet): guided by the server's
prompts online, kept on the device and sent as one count.submit intent offline, where the task's
GTINs refuse a wrong item at the bin and a case counts its factor; the system's quantity is never
shown, and what the server refuses reads in plain words."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.backends import wait_until
from tests.browser.audit import assert_accessible
from tests.browser.conftest import (
    HANDHELD,
    TABLET,
    Floor,
    controlled,
    device,
    log_in,
    screenshot,
    stocked_items,
    wedge,
)
from tests.browser.floor_helpers import (
    BUZZ_SPY,
    ERROR_BUZZ,
    assert_in_view,
    assert_on_screen,
    buzzes,
    new_worker,
    worker_log_in,
)

pytestmark = pytest.mark.e2e


async def _requested_count(floor: Floor) -> tuple[dict[str, Any], int, int]:
    """A supervisor's count of one item's pick face; returns the item, the task id and what is on hand."""
    [item] = await stocked_items(floor, 1)
    answer = await floor.call(
        "super1", "POST", "/api/warehouses/WH1/counts", {"location": item["location"], "sku": item["sku"]}, 201
    )
    on_hand = await floor.scalar(
        "SELECT sum(b.on_hand) FROM stock_balances b JOIN items i ON i.id = b.item_id"
        " JOIN locations l ON l.id = b.location_id WHERE i.sku = :s AND l.code = :l",
        s=item["sku"],
        l=item["location"],
    )
    return item, int(answer["task"]["id"]), int(on_hand)


async def _results(floor: Floor, task_id: int) -> list[tuple[Any, ...]]:
    rows = await floor.rows(
        "SELECT c.system_qty, c.counted_qty, t.state FROM count_results c JOIN tasks t ON t.id = c.task_id"
        " WHERE c.task_id = :t",
        t=task_id,
    )
    return [tuple(r) for r in rows]


async def _case(floor: Floor, sku: str) -> tuple[str, int]:
    """The item's case GTIN and how many units a case holds."""
    [row] = await floor.rows(
        "SELECT u.gtin, u.factor FROM item_uoms u JOIN items i ON i.id = u.item_id WHERE i.sku = :s AND u.uom = 'CS'",
        s=sku,
    )
    return str(row.gtin), int(row.factor)


async def _no_task_numbers(page: Page, task_id: int) -> None:
    """The main screen names places and items, never the server's task number or an error code."""
    shown = (await page.locator("main").inner_text()).lower()
    assert f"task {task_id}" not in shown and "task." not in shown and "scan." not in shown, shown


async def _claim(page: Page, location: str) -> None:
    await page.get_by_test_id("claim-count").click()
    await expect(page.get_by_test_id("count-step")).to_have_attribute("data-step", "location")
    await expect(page.get_by_test_id("location")).to_have_text(location)


@pytest.mark.parametrize("viewport", [HANDHELD, TABLET], ids=["handheld", "tablet"])
async def test_a_blind_count_follows_the_servers_prompts_and_books_what_was_counted(
    floor: Floor, browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int]
) -> None:
    item, task_id, on_hand = await _requested_count(floor)
    _, page = await device(browser, contexts, viewport)
    await worker_log_in(page, floor, await new_worker(floor), tab="Count")
    await assert_accessible(page, "count-claim")
    await _claim(page, item["location"])
    step = page.get_by_test_id("count-step")
    await expect(page.get_by_role("heading", name="Count", exact=True)).to_be_visible()
    await assert_on_screen(page.get_by_label("Scan the location"), viewport)
    await assert_accessible(page, "count-location")

    await wedge(page, "WH1-A01-01-1" if item["location"] != "WH1-A01-01-1" else "WH1-A01-02-1")
    await expect(page.get_by_role("alert")).to_contain_text("Wrong location")
    await assert_in_view(page.get_by_role("alert"), viewport)
    await _no_task_numbers(page, task_id)
    await expect(step).to_have_attribute("data-step", "location")
    await wedge(page, item["location"])
    await expect(step).to_have_attribute("data-step", "item")
    await wedge(page, item["gtin"])
    await expect(step).to_have_attribute("data-step", "quantity")
    quantity = page.get_by_label(f"How many {item['sku']} did you count?")
    # blind: nothing is filled in and nothing on the task tells the system's quantity
    await expect(quantity).to_be_focused()
    await expect(quantity).to_have_value("")
    view = await floor.call("super1", "GET", f"/api/warehouses/WH1/tasks/{task_id}")
    assert (view["task"]["qty"], view["task"]["qty_done"]) == (None, None)
    assert "system" not in (await step.inner_text()).lower()
    await assert_on_screen(quantity, viewport)
    await assert_on_screen(step.get_by_role("button", name="Enter"), viewport)
    await assert_accessible(page, "count-quantity")
    await page.keyboard.type(str(on_hand - 2))
    await page.keyboard.press("Enter")
    await expect(step).to_have_attribute("data-step", "item")
    await expect(page.get_by_test_id("counted")).to_contain_text(str(on_hand - 2))
    finish = page.get_by_test_id("finish-count")
    await assert_on_screen(page.get_by_label("Scan the next item, or finish"), viewport)
    await assert_on_screen(finish, viewport)
    await assert_accessible(page, "count-item")
    await _no_task_numbers(page, task_id)
    if viewport == HANDHELD:
        await screenshot(page, "counting")
    await finish.click()
    await expect(page.get_by_role("status").filter(has_text="finished")).to_be_visible()
    assert await _results(floor, task_id) == [(on_hand, on_hand - 2, "done")]


async def test_a_count_made_offline_is_sent_once_when_back_and_booked(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    item, task_id, on_hand = await _requested_count(floor)
    [other] = await stocked_items(floor, 1)
    case_gtin, factor = await _case(floor, item["sku"])
    context, page = await device(browser, contexts)
    await context.add_init_script(BUZZ_SPY)
    await worker_log_in(page, floor, await new_worker(floor), tab="Count")
    await controlled(page)
    await _claim(page, item["location"])
    step = page.get_by_test_id("count-step")

    await context.set_offline(True)
    await expect(page.get_by_test_id("offline-banner")).to_be_visible()
    await wedge(page, "WH1-Z99-99-9")
    await expect(page.get_by_role("alert")).to_contain_text(f"count {item['location']}")
    await wedge(page, item["location"])
    await expect(step).to_have_attribute("data-step", "item")
    # another item: the task's GTINs refuse it at the bin, offline, with the error beep and buzz
    buzzed = len(await buzzes(page))
    await wedge(page, other["gtin"])
    await expect(page.get_by_role("alert")).to_contain_text(f"Wrong item: this count is for {item['sku']}")
    assert (await buzzes(page))[buzzed:] == [ERROR_BUZZ]
    await expect(step).to_have_attribute("data-step", "item")
    # a case counts its factor: one case and the loose units make on hand + 1
    await wedge(page, case_gtin)
    await expect(step).to_have_attribute("data-step", "quantity")
    await expect(page.get_by_label(f"How many packs of {factor} \N{MULTIPLICATION SIGN} {item['sku']}")).to_be_focused()
    await page.keyboard.type("1")
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("counted").get_by_role("listitem")).to_have_count(1)
    await expect(page.get_by_test_id("counted")).to_contain_text(str(factor))
    await wedge(page, item["gtin"])
    await expect(step).to_have_attribute("data-step", "quantity")
    await expect(page.get_by_label(f"How many {item['sku']} did you count?")).to_be_focused()
    await page.keyboard.type(str(on_hand + 1 - factor))
    await page.keyboard.press("Enter")
    await expect(step).to_have_attribute("data-step", "item")
    # a reload while offline keeps the count where it was
    await page.reload()
    await expect(page.get_by_test_id("count-step")).to_have_attribute("data-step", "item")
    await page.get_by_test_id("finish-count").click()
    await expect(page.get_by_test_id("offline-banner")).to_contain_text("1 action queued")
    assert await _results(floor, task_id) == []

    await context.set_offline(False)
    await wait_until(lambda: _results(floor, task_id), timeout_s=30, what="the queued count to be booked")
    assert await _results(floor, task_id) == [(on_hand, on_hand + 1, "done")]
    await expect(page.get_by_role("status").filter(has_text="sent and booked")).to_be_visible()
    await expect(page.get_by_test_id("offline-banner")).to_be_hidden()
    applied = await floor.scalar(
        "SELECT count(*) FROM device_mutations WHERE kind = 'count.submit' AND outcome = 'applied'"
        " AND result->'task'->>'id' = :t",
        t=str(task_id),
    )
    assert applied == 1


async def test_a_count_the_supervisor_takes_back_leaves_the_screen_live_and_picking_waits_for_it(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    item, task_id, _ = await _requested_count(floor)
    _, page = await device(browser, contexts)
    await worker_log_in(page, floor, await new_worker(floor), tab="Count")
    await _claim(page, item["location"])
    await wedge(page, item["location"])
    await expect(page.get_by_test_id("count-step")).to_have_attribute("data-step", "item")

    # the server hands back the task still held, whatever kind is asked for: the pick tab says so
    sections = page.get_by_role("navigation", name="Sections")
    await sections.get_by_role("button", name="Pick", exact=True).click()
    await page.get_by_test_id("claim").click()
    await expect(page.get_by_role("alert")).to_contain_text(f"You still hold a count task at {item['location']}")
    await sections.get_by_role("button", name="Count", exact=True).click()
    await expect(page.get_by_test_id("count-step")).to_have_attribute("data-step", "item")

    # given to another worker (not the pool, where another test's "next count" would find it)
    await floor.call("super1", "POST", f"/api/warehouses/WH1/tasks/{task_id}/reassign", {"worker": "picker2"})
    await expect(page.get_by_role("alert")).to_contain_text(f"The count at {item['location']} was given to picker2")
    await expect(page.get_by_test_id("claim-count")).to_be_visible()
    rows = await floor.rows("SELECT state, claimed_by FROM tasks WHERE id = :id", id=task_id)
    assert [tuple(r) for r in rows] == [("assigned", "picker2")]


async def test_a_receiver_counts_from_the_receiving_app(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    item, task_id, on_hand = await _requested_count(floor)
    _, page = await device(browser, contexts)
    await log_in(page, floor, "receiver1")
    await page.get_by_role("navigation", name="Sections").get_by_role("button", name="Count", exact=True).click()
    await _claim(page, item["location"])
    await wedge(page, item["location"])
    await wedge(page, item["gtin"])
    await expect(page.get_by_test_id("count-step")).to_have_attribute("data-step", "quantity")
    await page.keyboard.type(str(on_hand))
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("count-step")).to_have_attribute("data-step", "item")
    await page.get_by_test_id("finish-count").click()
    await expect(page.get_by_role("status").filter(has_text="finished")).to_be_visible()
    assert await _results(floor, task_id) == [(on_hand, on_hand, "done")]


async def test_offline_a_lot_tracked_item_scanned_without_its_lot_asks_for_the_lot_before_the_quantity(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    [found] = await floor.rows(
        "SELECT i.sku, u.gtin, l.code, b.lot, b.on_hand FROM items i"
        " JOIN item_uoms u ON u.item_id = i.id AND u.uom = 'EA'"
        " JOIN stock_balances b ON b.item_id = i.id AND b.warehouse = 'WH1' AND b.on_hand > 0"
        " JOIN locations l ON l.id = b.location_id AND l.kind IN ('storage', 'pick_face')"
        " WHERE i.lot_tracked AND b.allocated = 0 AND b.lot <> '' AND NOT EXISTS (SELECT 1 FROM stock_balances o"
        "   WHERE o.item_id = i.id AND o.location_id = b.location_id AND o.id <> b.id AND o.on_hand > 0)"
        " ORDER BY i.sku LIMIT 1"
    )
    body = {"location": found.code, "sku": found.sku}
    task_id = (await floor.call("super1", "POST", "/api/warehouses/WH1/counts", body, 201))["task"]["id"]
    context, page = await device(browser, contexts)
    await worker_log_in(page, floor, await new_worker(floor), tab="Count")
    await controlled(page)
    await _claim(page, found.code)
    step = page.get_by_test_id("count-step")

    await context.set_offline(True)
    await expect(page.get_by_test_id("offline-banner")).to_be_visible()
    await wedge(page, found.code)
    await wedge(page, found.gtin)  # the plain GTIN carries no lot
    await expect(step).to_have_attribute("data-step", "lot")
    await expect(page.get_by_label("Scan the lot")).to_be_focused()
    await wedge(page, found.lot)
    await expect(step).to_have_attribute("data-step", "quantity")
    await page.keyboard.type(str(found.on_hand))
    await page.keyboard.press("Enter")
    await page.get_by_test_id("finish-count").click()
    await expect(page.get_by_test_id("offline-banner")).to_contain_text("1 action queued")

    await context.set_offline(False)

    async def booked() -> list[tuple[object, ...]]:
        rows = await floor.rows(
            "SELECT c.lot, c.system_qty, c.counted_qty FROM count_results c WHERE c.task_id = :t", t=task_id
        )
        return [tuple(r) for r in rows]

    await wait_until(booked, timeout_s=30, what="the queued count to be booked")
    assert await booked() == [(found.lot, found.on_hand, found.on_hand)]
    await expect(page.get_by_role("status").filter(has_text="sent and booked")).to_be_visible()


async def test_an_offline_count_the_server_refuses_reads_in_plain_words(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    item, task_id, on_hand = await _requested_count(floor)
    context, page = await device(browser, contexts)
    await worker_log_in(page, floor, await new_worker(floor), tab="Count")
    await controlled(page)
    await _claim(page, item["location"])
    await context.set_offline(True)
    await expect(page.get_by_test_id("offline-banner")).to_be_visible()
    await wedge(page, item["location"])
    await wedge(page, item["gtin"])
    await page.keyboard.type(str(on_hand))
    await page.keyboard.press("Enter")
    await page.get_by_test_id("finish-count").click()
    await expect(page.get_by_test_id("offline-banner")).to_contain_text("1 action queued")
    # meanwhile the supervisor gives the count to someone else: only the server can tell
    await floor.call("super1", "POST", f"/api/warehouses/WH1/tasks/{task_id}/reassign", {"worker": "picker2"})

    await context.set_offline(False)
    note = page.get_by_role("alert").filter(has_text="was refused")
    await expect(note).to_have_text(f"The count at {item['location']} was refused: Someone else holds this task now.")
    rejected = page.get_by_test_id("rejections")
    await expect(rejected).to_contain_text("Someone else holds this task now.")
    assert f"task {task_id}" not in (await rejected.inner_text()).lower()
    await _no_task_numbers(page, task_id)
    assert await _results(floor, task_id) == []
