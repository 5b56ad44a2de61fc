"""Logging in on the PWA: password or badge + PIN, a device registered once, logging out."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, BrowserContext, expect

from tests.browser.conftest import Floor, badge_log_in, device, log_in, screenshot

pytestmark = pytest.mark.e2e


async def test_password_login_opens_the_role_app_and_registers_the_device_once(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    _, page = await device(browser, contexts)
    await page.goto(floor.url + "/")
    await screenshot(page, "login")
    await log_in(page, floor, "rep1")
    await expect(page).to_have_url(floor.url + "/rep")
    await expect(page.get_by_test_id("who")).to_have_text("Ravi Rep")
    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("button", name="Log in")).to_be_visible()
    # the same install logs in again: bound to the device it registered, not a second one
    await log_in(page, floor, "rep1")
    devices = await floor.scalar(
        "SELECT count(*) FROM devices d JOIN users u ON u.id = d.user_id WHERE u.username = 'rep1'"
    )
    assert devices == 1
    sessions = await floor.rows(
        "SELECT s.device_id, s.revoked_at IS NOT NULL AS ended FROM auth_sessions s JOIN users u ON u.id = s.user_id"
        " WHERE u.username = 'rep1' ORDER BY s.created_at"
    )
    assert [r.ended for r in sessions] == [True, False]
    assert len({r.device_id for r in sessions}) == 1 and sessions[0].device_id is not None


async def test_badge_and_pin_login_opens_picking_and_a_wrong_pin_is_refused(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    _, page = await device(browser, contexts)
    await page.goto(floor.url + "/")
    await page.get_by_role("button", name="Badge + PIN").click()
    await page.get_by_label("Badge").fill("1002")
    await page.get_by_label("PIN").fill("0000")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong badge or PIN.")
    await badge_log_in(page, floor, "1002", "2345")
    await expect(page).to_have_url(floor.url + "/picker")
    await expect(page.get_by_test_id("claim")).to_be_visible()
