"""The banners and the log-out question on the 360x640 handheld and the 1024x768 tablet: "Retry now"
while the device registration fails, "Send now" while queued actions cannot be sent, the in-app
"Log out?" dialog (never the browser's confirm()), a refused action's "Dismiss" with its "Redo", and
"Reload now" when a new version is ready; each passes axe with 48 px targets, on screen without
scrolling."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Dialog, Route, expect

from tests.backends import wait_until
from tests.browser.audit import assert_accessible
from tests.browser.conftest import DIST, HANDHELD, TABLET, Floor, controlled, device, stocked_items, wedge
from tests.browser.floor_helpers import assert_on_screen, new_worker, released_wave, worker_log_in

pytestmark = pytest.mark.e2e
UNAVAILABLE = {"status": 503, "content_type": "application/problem+json", "body": '{"code": "http.503"}'}


@pytest.fixture(scope="module")
def pwa_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built app, so a test can release a new version of it without touching pwa/dist."""
    copy = tmp_path_factory.mktemp("pwa") / "dist"
    shutil.copytree(DIST, copy)
    return copy


@pytest.mark.parametrize("viewport", [HANDHELD, TABLET], ids=["handheld", "tablet"])
async def test_the_banners_and_the_log_out_question_are_on_screen_48px_and_pass_axe(
    floor: Floor, browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int], pwa_dist: Path
) -> None:
    [item] = await stocked_items(floor, 1)
    [task] = (await released_wave(floor, [item], 2)).values()
    context, page = await device(browser, contexts, viewport)
    native: list[str] = []

    async def dismiss(dialog: Dialog) -> None:
        native.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", dismiss)
    failing = {"register": True, "send": False}

    async def server(route: Route) -> None:
        url = route.request.url
        if route.request.method == "POST" and (
            (failing["register"] and url.endswith("/api/devices")) or (failing["send"] and url.endswith("/mutations"))
        ):
            await route.fulfill(**UNAVAILABLE)
        else:
            await route.continue_()

    await context.route("**/api/devices**", server)
    await worker_log_in(page, floor, await new_worker(floor))
    pending = page.get_by_test_id("pending-banner")
    await expect(pending).to_contain_text("Registering this device")
    retry = pending.get_by_role("button", name="Retry now")
    await assert_on_screen(retry, viewport)
    await assert_accessible(page, "banner-retry-now")
    failing["register"] = False
    await retry.click()
    await expect(pending).to_be_hidden()
    await controlled(page)

    # a pick made offline waits in the queue; back online the server does not take it yet
    await page.get_by_test_id("claim").click()
    await expect(page.get_by_test_id("location")).to_have_text(task["location"])
    await context.set_offline(True)
    await wedge(page, task["location"])
    await wedge(page, item["gtin"])
    await page.keyboard.press("Enter")
    await wedge(page, task["tote"])
    await expect(page.get_by_test_id("offline-banner")).to_contain_text("1 action queued")
    failing["send"] = True
    await context.set_offline(False)
    await expect(pending).to_contain_text("1 queued action")
    send = pending.get_by_role("button", name="Send now")
    await assert_on_screen(send, viewport)
    await assert_accessible(page, "banner-send-now")

    # logging out with it unsent asks in the app's own dialog; cancelling keeps the login
    await page.get_by_role("button", name="Log out").click()
    question = page.get_by_role("dialog", name="Log out?")
    await expect(question).to_contain_text("1 action is not sent yet")
    await assert_on_screen(question.get_by_role("button", name="Cancel"), viewport)
    await assert_accessible(page, "log-out-dialog")
    await question.get_by_role("button", name="Cancel").click()
    await expect(question).to_be_hidden()
    await expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # meanwhile the pick went to someone else: sent now, it is refused, with Dismiss and Redo on screen
    await floor.call("super1", "POST", f"/api/warehouses/WH1/tasks/{task['id']}/reassign", {"worker": "picker2"})
    failing["send"] = False
    await send.click()
    await expect(pending).to_be_hidden()
    rejected = page.get_by_test_id("rejections")
    await expect(rejected).to_contain_text("The task was given to someone else.")
    row = page.get_by_test_id("trip").get_by_role("listitem").filter(has_text=task["location"])
    await assert_on_screen(rejected.get_by_role("button", name="Dismiss"), viewport)
    await assert_on_screen(row.get_by_role("button", name="Redo"), viewport)
    await assert_accessible(page, "banner-dismiss-and-redo")
    await rejected.get_by_role("button", name="Dismiss").click()
    await expect(rejected).to_be_hidden()
    assert native == []  # no confirm(), alert() or prompt() on the way

    # a new version of the app is ready: the banner offers the reload, a 48 px button on screen
    release = pwa_dist / "sw.js"
    release.write_text(release.read_text() + f"\n// the next release, {viewport['width']} px\n")
    await page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    update = page.get_by_test_id("update-banner")
    await expect(update).to_contain_text("A new version of Floorsync is ready")
    await assert_on_screen(update.get_by_role("button", name="Reload now"), viewport)
    await assert_accessible(page, "banner-reload-now")
    waiting = "navigator.serviceWorker.getRegistration().then((r) => r.waiting !== null)"
    assert await page.evaluate(waiting)  # the new version waits for the person's choice, never mid-task
    await update.get_by_role("button", name="Reload now").click()

    async def taken_over() -> bool:
        return not await page.evaluate(waiting)

    await wait_until(taken_over, what="the new version to take over")
