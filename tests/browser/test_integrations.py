"""The integration screen in the supervisor app: a failing endpoint, its dead letter, and replay."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, expect

from tests.backends import wait_until
from tests.browser.conftest import TABLET, Floor, device, log_in, screenshot
from tests.webhook_receiver import Answer, Received, Receiver

pytestmark = pytest.mark.e2e


async def test_a_supervisor_sees_a_failing_endpoint_and_replays_its_dead_letter(
    floor: Floor, browser: Browser, contexts: list[BrowserContext]
) -> None:
    healthy = False

    def behave(_request: Received) -> Answer:
        return Answer(200 if healthy else 500)

    async with Receiver(behave) as receiver:
        created = await floor.call(
            "admin",
            "POST",
            "/api/webhooks/",
            {
                "warehouse": "WH1",
                "url": receiver.url,
                "types": ["location.created"],
                "max_attempts": 1,
                "description": "ERP test endpoint",
            },
            status=201,
        )
        sub_id = created["subscription"]["id"]
        code = "INT-" + secrets.token_hex(3).upper()
        await floor.call(
            "super1", "POST", "/api/warehouses/WH1/locations", {"code": code, "zone": "INT", "kind": "storage"}, 201
        )

        async def dead_letters() -> list[dict[str, Any]]:
            rows: list[dict[str, Any]] = await floor.call("super1", "GET", f"/api/webhooks/{sub_id}/dead-letters")
            return rows

        await wait_until(dead_letters, what="the delivery to be dead-lettered")

        _, page = await device(browser, contexts, TABLET)
        await log_in(page, floor, "super1", path="/supervisor")
        await page.get_by_role("button", name="Integrations").click()
        endpoint = page.get_by_test_id("webhooks").get_by_role("listitem").filter(has_text="ERP test endpoint")
        await expect(endpoint).to_contain_text("last answer 500")
        await endpoint.get_by_role("button", name="Dead letters (1)").click()
        letters = page.get_by_test_id("dead-letters")
        await expect(letters).to_contain_text("location.created")
        await screenshot(page, "integrations")

        healthy = True
        await letters.get_by_role("button", name="Replay").click()
        await expect(page.get_by_text("1 queued for replay")).to_be_visible()

        async def delivered() -> bool:
            rows = await floor.call("super1", "GET", f"/api/webhooks/{sub_id}/dead-letters?state=delivered")
            return len(rows) == 1

        await wait_until(delivered, what="the replay to be delivered")
        replays = [r for r in receiver.acknowledged if r.headers["floorsync-replay"] == "true"]
        assert [r.event["entity_id"] for r in replays] == [code]
