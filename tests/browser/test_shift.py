"""A shift on the handheld: a device registration cut short never strands the queue, a wrong item
is refused at the bin offline, the pick screen fits 360x640 in every state with 48 px targets, and
a badge scan lands in the badge field, on the handheld and the tablet."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, Route, expect

from tests.backends import wait_until
from tests.browser.audit import assert_accessible
from tests.browser.conftest import (
    HANDHELD,
    TABLET,
    Floor,
    badge_log_in,
    controlled,
    device,
    screenshot,
    small_targets,
    stocked_items,
    wedge,
)
from tests.browser.floor_helpers import BUZZ_SPY, ERROR_BUZZ, buzzes, released_wave

pytestmark = pytest.mark.e2e


async def test_a_failed_device_registration_is_retried_and_offline_picks_apply_exactly_once(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    items = await stocked_items(floor, 2)
    tasks = await released_wave(floor, items, 2)
    gtin_of = {item["location"]: item["gtin"] for item in items}
    context, page = await device(browser, contexts)
    await context.add_init_script(BUZZ_SPY)

    attempts: list[str] = []
    blocked = True

    async def registration(route: Route) -> None:
        if route.request.method != "POST":
            await route.continue_()
            return
        attempts.append(route.request.url)
        if blocked:
            await route.abort("internetdisconnected")
        else:
            await route.continue_()

    await context.route(lambda url: url.endswith("/api/devices"), registration)
    await badge_log_in(page, floor, "1001", "1234")
    sync = page.get_by_test_id("sync")
    # the server cannot be reached for the registration: the banner names that wait (offline or registering)
    await expect(sync).to_contain_text(re.compile(r"registered with the server|Registering this device"))
    await controlled(page)

    await page.get_by_test_id("claim").click()
    step = page.get_by_test_id("pick-step")
    await expect(step).to_have_attribute("data-step", "location")
    await context.set_offline(True)
    offline = page.get_by_test_id("offline-banner")
    await expect(offline).to_contain_text("registered with the server")
    picked = []
    for _ in tasks:
        location = await page.get_by_test_id("location").inner_text()
        await wedge(page, location)
        await expect(step).to_have_attribute("data-step", "item")
        # another task's item: refused at the bin, offline, with the error beep and buzz
        other = next(g for loc, g in gtin_of.items() if loc != location)
        buzzed = len(await buzzes(page))
        await wedge(page, other)
        await expect(page.get_by_role("alert")).to_contain_text("Wrong item")
        await expect(step).to_have_attribute("data-step", "item")
        assert (await buzzes(page))[buzzed:] == [ERROR_BUZZ]
        await wedge(page, gtin_of[location])
        await expect(step).to_have_attribute("data-step", "quantity")
        await page.keyboard.press("Enter")
        await expect(step).to_have_attribute("data-step", "tote")
        await wedge(page, tasks[location]["tote"])
        picked.append(location)
    await expect(offline).to_contain_text("2 actions queued")

    # a reload (offline, from the service worker) comes back still waiting for the registration
    await page.reload()
    await expect(offline).to_contain_text("2 actions queued")
    await context.set_offline(False)
    # while the server cannot be reached the banner may say offline or registering; both name the wait
    await expect(sync).to_contain_text(re.compile(r"2 (queued )?actions.*regist|[Rr]egistering.*2 queued actions"))
    await screenshot(page, "picker-registering")
    tried = len(attempts)
    # nobody taps anything: the registration is retried on its own
    await wait_until(lambda: len(attempts) >= tried + 2, timeout_s=30, what="the registration to be retried")
    blocked = False
    trip = page.get_by_test_id("trip")
    for location in picked:  # the next retry may be up to 30 s away (backing off), or the 20 s sweep
        await expect(trip.get_by_role("listitem").filter(has_text=location)).to_contain_text("done", timeout=60_000)
    await expect(page.get_by_test_id("pending-banner")).to_be_hidden()
    await expect(offline).to_be_hidden()

    devices = await floor.rows(
        "SELECT d.id FROM devices d JOIN users u ON u.id = d.user_id WHERE u.username = 'picker1'"
    )
    assert len(devices) == 1
    mutations = await floor.rows(
        "SELECT mutation_id, outcome FROM device_mutations WHERE device_id = :d ORDER BY mutation_id",
        d=devices[0].id,
    )
    assert [(m.mutation_id, m.outcome) for m in mutations] == [(1, "applied"), (2, "applied")]
    for location in picked:
        task_id = tasks[location]["id"]
        completed = await floor.scalar(
            "SELECT count(*) FROM outbox_events WHERE type = 'task.completed' AND entity_id = :id", id=str(task_id)
        )
        state = await floor.scalar("SELECT state FROM tasks WHERE id = :id", id=task_id)
        assert (state, completed) == ("done", 1)


async def _inside(page: Page, target: Locator, what: str) -> None:
    """The element is fully on the screen without scrolling."""
    box = await target.bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None, what
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], f"{what} is off screen: {box}"


@pytest.mark.parametrize("viewport", [HANDHELD, TABLET], ids=["handheld", "tablet"])
async def test_the_pick_screen_fits_the_screen_in_every_state_with_48px_targets(
    floor: Floor, browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int]
) -> None:
    [item] = await stocked_items(floor, 1)
    tasks = await released_wave(floor, [item], 3)
    [task] = tasks.values()
    context, page = await device(browser, contexts, viewport)
    await context.add_init_script(BUZZ_SPY)
    await badge_log_in(page, floor, "1002", "2345")
    assert await small_targets(page) == []
    await page.get_by_test_id("claim").click()
    step = page.get_by_test_id("pick-step")
    scan = page.get_by_label("Scan the location")
    await expect(scan).to_be_focused()
    await _inside(page, scan, "the location scan field")

    wrong = "WH1-A01-01-1" if item["location"] != "WH1-A01-01-1" else "WH1-A01-02-1"
    await wedge(page, wrong)
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("location")
    await _inside(page, alert, "the wrong-location message")
    assert "scan." not in await alert.inner_text()  # a reason in words, not an error code
    await wedge(page, item["location"])
    await wedge(page, item["gtin"])
    await expect(step).to_have_attribute("data-step", "quantity")
    quantity = page.get_by_label("Quantity picked", exact=False)

    # more than asked: refused by the screen with the error buzz and a message, not a browser bubble
    buzzed = len(await buzzes(page))
    await quantity.fill("4")
    await page.keyboard.press("Enter")
    await expect(alert).to_contain_text("asks for 3")
    assert (await buzzes(page))[buzzed:] == [ERROR_BUZZ]
    await expect(step).to_have_attribute("data-step", "quantity")
    await _inside(page, alert, "the too-many message")

    # fewer than asked: the short-pick warning and its confirm button show without scrolling
    await quantity.fill("2")
    await page.keyboard.press("Enter")
    short = page.get_by_role("button", name="Confirm short pick: 2 of 3")
    await _inside(page, short, "the short-pick confirm button")
    await _inside(page, page.get_by_text("Fewer than asked"), "the short-pick warning")
    assert await small_targets(page) == []
    await screenshot(page, f"picker-short-{'handheld' if viewport == HANDHELD else 'tablet'}")
    await quantity.fill("3")
    await page.keyboard.press("Enter")
    await expect(step).to_have_attribute("data-step", "tote")
    await wedge(page, task["tote"])
    await expect(page.get_by_role("status").filter(has_text="Picked 3")).to_be_visible()
    assert await floor.scalar("SELECT state FROM tasks WHERE id = :id", id=task["id"]) == "done"


@pytest.mark.parametrize("viewport", [HANDHELD, TABLET], ids=["handheld", "tablet"])
async def test_badge_login_focuses_the_badge_field_and_takes_a_wedge_scan(
    floor: Floor, browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int]
) -> None:
    _, page = await device(browser, contexts, viewport)
    await page.goto(floor.url + "/")
    await page.get_by_role("button", name="Badge + PIN").click()
    await expect(page.get_by_label("Badge")).to_be_focused()
    await assert_accessible(page, "badge-login")
    await wedge(page, "1002")  # the scanner's Enter moves on to the PIN, it does not submit
    pin = page.get_by_label("PIN")
    await expect(pin).to_be_focused()
    await page.keyboard.type("2345")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("button", name="Log out")).to_be_visible()
    await expect(page.get_by_test_id("who")).to_have_text("Piet Picker")
    # the handheld opens on badge login next time, focused for the scan
    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_label("Badge")).to_be_focused()
