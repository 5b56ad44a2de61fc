"""Offline: the app shell opens without a network, picks made offline are queued in IndexedDB and
replayed once back (after refreshing a lapsed token), each applied exactly once; a wrong item is
refused at the bin offline; a pick the server rejects is shown as rejected and can be redone."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.audit import assert_accessible
from tests.browser.conftest import (
    Floor,
    allocated_order,
    badge_log_in,
    controlled,
    device,
    screenshot,
    stocked_items,
    wedge,
)
from tests.browser.floor_helpers import assert_on_screen

pytestmark = pytest.mark.e2e


async def _pick(
    page: Page, tasks: dict[str, dict[str, Any]], *, gtin_of: dict[str, str], wrong: str | None = None
) -> str:
    """Pick whatever task the screen shows with wedge scans; returns its location."""
    location = await page.get_by_test_id("location").inner_text()
    task = tasks[location]
    step = page.get_by_test_id("pick-step")
    if await step.get_attribute("data-step") == "location":
        await wedge(page, location)
    await expect(step).to_have_attribute("data-step", "item")
    await wedge(page, wrong or gtin_of[location])
    await expect(step).to_have_attribute("data-step", "quantity")
    await expect(page.get_by_label("Quantity picked", exact=False)).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(step).to_have_attribute("data-step", "tote")
    await wedge(page, task["tote"])
    return location


async def test_offline_picks_replay_exactly_once_and_a_rejected_pick_is_shown_and_redone(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    items = await stocked_items(floor, 3)
    orders = [await allocated_order(floor, item["sku"], 2) for item in items]
    wave = await floor.call("super1", "POST", "/api/warehouses/WH1/waves", {"orders": orders}, 201)
    tasks = {t["location"]: t for t in wave["tasks"]}
    gtin_of = {item["location"]: item["gtin"] for item in items}
    assert len(tasks) == 3

    context, page = await device(browser, contexts)
    await badge_log_in(page, floor, "1001", "1234")
    await controlled(page)
    await page.get_by_test_id("claim").click()
    trip = page.get_by_test_id("trip")
    await expect(trip.get_by_role("listitem")).to_have_count(3)
    first = await page.get_by_test_id("location").inner_text()
    await wedge(page, first)  # online: the server holds this step
    await expect(page.get_by_test_id("pick-step")).to_have_attribute("data-step", "item")

    await context.set_offline(True)
    await expect(page.get_by_test_id("offline-banner")).to_contain_text("0 actions queued")
    done = [await _pick(page, tasks, gtin_of=gtin_of)]
    done.append(await _pick(page, tasks, gtin_of=gtin_of))
    last = await page.get_by_test_id("location").inner_text()
    step = page.get_by_test_id("pick-step")
    await wedge(page, last)
    await wedge(page, gtin_of[done[0]])  # another task's item: the task's GTINs refuse it at the bin
    await expect(page.get_by_role("alert")).to_contain_text("Wrong item")
    await expect(step).to_have_attribute("data-step", "item")
    await _pick(page, tasks, gtin_of=gtin_of)
    await expect(page.get_by_test_id("offline-banner")).to_contain_text("3 actions queued")
    # meanwhile the supervisor hands the last task to another picker: only the server can tell
    await floor.call("super1", "POST", f"/api/warehouses/WH1/tasks/{tasks[last]['id']}/reassign", {"worker": "picker2"})
    await screenshot(page, "picker-offline")

    # the access token lapses while away; a reload offline comes back from the service worker
    session = json.loads(await page.evaluate("localStorage.getItem('fs.session')"))
    session.update(access_token="lapsed", expires_at=0)
    await page.evaluate("s => localStorage.setItem('fs.session', s)", json.dumps(session))
    await page.reload()
    await expect(page.get_by_test_id("offline-banner")).to_contain_text("3 actions queued")
    await expect(trip.get_by_role("listitem").filter(has_text="queued")).to_have_count(3)

    await context.set_offline(False)
    await expect(page.get_by_test_id("offline-banner")).to_be_hidden()
    await expect(page.get_by_test_id("pending-banner")).to_be_hidden()
    rejected = page.get_by_test_id("rejections")
    await expect(rejected).to_contain_text(f"at {last}")
    await expect(rejected).to_contain_text("The task was given to someone else.")  # no task reference, no code
    assert "task." not in await rejected.inner_text()
    for location in done:
        await expect(trip.get_by_role("listitem").filter(has_text=location)).to_contain_text("done")
    row = trip.get_by_role("listitem").filter(has_text=last)
    await expect(row).to_contain_text("rejected")
    # the whole rejected state fits the handheld: the banner's Dismiss and the row's Redo on screen
    redo = row.get_by_role("button", name="Redo")
    await assert_on_screen(rejected.get_by_role("button", name="Dismiss"))
    await assert_on_screen(redo)
    await assert_on_screen(page.get_by_test_id("claim"))
    await assert_accessible(page, "picker-rejected")

    device_id = await floor.scalar(
        "SELECT d.id FROM devices d JOIN users u ON u.id = d.user_id WHERE u.username = 'picker1'"
    )
    mutations = await floor.rows(
        "SELECT mutation_id, kind, outcome, result->>'code' AS code FROM device_mutations"
        " WHERE device_id = :d ORDER BY mutation_id",
        d=device_id,
    )
    assert [(m.mutation_id, m.kind, m.outcome, m.code) for m in mutations] == [
        (1, "pick.confirm", "applied", None),
        (2, "pick.confirm", "applied", None),
        (3, "pick.confirm", "rejected", "task.not_claimed_by_worker"),
    ]
    for location in done:
        task_id = tasks[location]["id"]
        completed = await floor.scalar(
            "SELECT count(*) FROM outbox_events WHERE type = 'task.completed' AND entity_id = :id", id=str(task_id)
        )
        state = await floor.scalar("SELECT state FROM tasks WHERE id = :id", id=task_id)
        assert (state, completed) == ("done", 1)
    staged = await floor.rows(
        "SELECT i.sku, sum(b.on_hand) AS qty FROM stock_balances b JOIN items i ON i.id = b.item_id"
        " JOIN locations l ON l.id = b.location_id WHERE l.kind = 'staging' AND i.sku = ANY(:skus) GROUP BY i.sku",
        skus=[i["sku"] for i in items],
    )
    picked = {item["sku"] for item in items if item["location"] in done}
    assert {r.sku: int(r.qty) for r in staged} == dict.fromkeys(picked, 2)
    # the replay renewed the lapsed login first (a rotated refresh token), it did not fail
    rotated = await floor.scalar(
        "SELECT count(*) FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id"
        " WHERE s.device_id = :d AND t.used_at IS NOT NULL",
        d=device_id,
    )
    assert rotated >= 1

    # handed back, the rejected pick is redone online from the step the server holds
    await floor.call("super1", "POST", f"/api/warehouses/WH1/tasks/{tasks[last]['id']}/reassign", {"worker": "picker1"})
    await redo.click()
    await _pick(page, tasks, gtin_of=gtin_of)
    await expect(row).to_contain_text("done")
    await page.get_by_role("button", name="Dismiss").click()
    await expect(rejected).to_be_hidden()


async def test_after_the_first_load_the_app_shell_opens_offline(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    context, page = await device(browser, contexts)
    await page.goto(floor.url + "/")
    await expect(page.get_by_role("button", name="Log in")).to_be_visible()
    await controlled(page)
    await context.set_offline(True)
    for path in ("/", "/picker", "/supervisor"):
        await page.goto(floor.url + path)
        await expect(page.get_by_role("button", name="Log in")).to_be_visible()
    await page.get_by_label("Username").fill("picker1")
    await page.get_by_label("Password", exact=True).fill("floorsync-picker")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("alert")).to_contain_text("No network")
