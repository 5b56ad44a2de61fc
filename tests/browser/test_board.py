"""The supervisor's board on the 1024x768 tablet and the 360x640 handheld: its columns and its tiles
agree after tab switches, a resolved exception and a live socket that dropped and reconnected."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.audit import assert_accessible
from tests.browser.conftest import HANDHELD, TABLET, Floor, device, log_in, screenshot, stocked_items
from tests.browser.floor_helpers import pick_by_api, released_wave

pytestmark = pytest.mark.e2e
VIEWPORTS = pytest.mark.parametrize("viewport", [TABLET, HANDHELD], ids=["tablet", "handheld"])


async def _tile(page: Page, label: str) -> Locator:
    return page.get_by_test_id("kpis").locator(".tile").filter(has_text=label).locator(".tile-value")


async def _agree(desk: Page) -> None:
    """The done column counts what the "Done today" tile counts."""
    done_tile = await (await _tile(desk, "Done today")).inner_text()
    done_column = desk.get_by_test_id("board").locator('section[data-state="done"]')
    await expect(done_column.locator(".count")).to_have_text(done_tile)


@VIEWPORTS
async def test_the_boards_columns_and_tiles_agree_after_tab_switches_and_a_resolved_exception(
    floor: Floor, browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int]
) -> None:
    items = await stocked_items(floor, 2)
    tasks = await released_wave(floor, items, 4)
    done_task, short_task = (tasks[item["location"]] for item in items)
    _, desk = await device(browser, contexts, viewport)
    await log_in(desk, floor, "super1")
    board = desk.get_by_test_id("board")
    done_column = board.locator('section[data-state="done"]')
    exception_column = board.locator('section[data-state="exception"]')

    async def agree() -> None:
        await _agree(desk)

    await pick_by_api(floor, "picker1", done_task, items[0]["gtin"], 4)
    await expect(board.locator(f'[data-task="{done_task["id"]}"]')).to_have_attribute("data-state", "done")
    await agree()
    short = (await pick_by_api(floor, "picker1", short_task, items[1]["gtin"], 1))["short"]
    card = board.locator(f'[data-task="{short_task["id"]}"]')
    await expect(card).to_have_attribute("data-state", "exception")
    await expect(exception_column).to_contain_text(short_task["sku"])

    # a tab switch refetches the board: the done column still lists and counts what the tile counts
    await desk.get_by_role("button", name="Waves").click()
    await desk.get_by_role("button", name="Board").click()
    await expect(done_column.locator(f'[data-task="{done_task["id"]}"]')).to_have_count(1)
    await agree()
    await desk.get_by_role("button", name="Exceptions").click()
    row = desk.get_by_test_id("exceptions").get_by_role("listitem").filter(has_text=short_task["location"])
    await row.get_by_role("button", name="Resolve").click()
    dialog = desk.get_by_role("dialog")
    await expect(dialog.get_by_label("How was it resolved?")).to_be_focused()
    await assert_accessible(desk, "resolve-dialog")
    if viewport == TABLET:
        await screenshot(desk, "supervisor-resolve-dialog")
    await desk.keyboard.type("Counted the bin; the rest is backordered.")
    await dialog.get_by_role("button", name="Resolve").click()
    await expect(row).to_be_hidden()
    assert await floor.scalar("SELECT resolution FROM exceptions WHERE id = :id", id=short["exception"]) == (
        "Counted the bin; the rest is backordered."
    )
    await desk.get_by_role("button", name="Board").click()
    await expect(card).to_have_attribute("data-state", "done")
    await expect(exception_column.locator(f'[data-task="{short_task["id"]}"]')).to_have_count(0)
    await expect(done_column.locator(f'[data-task="{done_task["id"]}"]')).to_have_count(1)
    await agree()
    assert await floor.scalar("SELECT state FROM tasks WHERE id = :id", id=short_task["id"]) == "done"


@VIEWPORTS
async def test_the_boards_columns_and_tiles_agree_after_the_live_socket_drops_and_reconnects(
    floor: Floor, browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int]
) -> None:
    items = await stocked_items(floor, 3)

    async def picked(item: dict[str, Any], qty: int) -> tuple[dict[str, Any], dict[str, Any]]:
        """A wave of one task for ``item``, released and picked (``qty`` of 4) over the API."""
        [task] = (await released_wave(floor, [item], 4)).values()
        return task, await pick_by_api(floor, "picker1", task, item["gtin"], qty)

    context, desk = await device(browser, contexts, viewport)
    await log_in(desk, floor, "super1")
    board = desk.get_by_test_id("board")
    before, _ = await picked(items[0], 4)
    await expect(board.locator(f'[data-task="{before["id"]}"]')).to_have_attribute("data-state", "done")
    await _agree(desk)
    await assert_accessible(desk, "board")

    # the network drops, and with it the live socket; the floor works on meanwhile
    await context.set_offline(True)
    await expect(desk.get_by_test_id("offline-banner")).to_be_visible()
    during, _ = await picked(items[1], 4)
    short, answer = await picked(items[2], 1)
    assert answer["short"]["exception"]
    await context.set_offline(False)
    await expect(desk.get_by_test_id("offline-banner")).to_be_hidden()

    # back: what happened while away is on the board, and columns and tiles tell the same story
    await expect(board.locator(f'[data-task="{during["id"]}"]')).to_have_attribute("data-state", "done")
    await expect(board.locator(f'[data-task="{short["id"]}"]')).to_have_attribute("data-state", "exception")
    await _agree(desk)
    open_exceptions = await floor.scalar(
        "SELECT count(*) FROM exceptions WHERE warehouse = 'WH1' AND state <> 'resolved'"
    )
    await expect(await _tile(desk, "Exceptions")).to_have_text(str(open_exceptions))

    # and the socket is live again: a pick after the reconnect reaches the board live
    [later] = await stocked_items(floor, 1)
    again, _ = await picked(later, 4)
    await expect(board.locator(f'[data-task="{again["id"]}"]')).to_have_attribute("data-state", "done")
    await _agree(desk)
