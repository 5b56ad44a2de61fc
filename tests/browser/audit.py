"""axe-core and the 48 px touch-target check on whatever a page shows now, under the app's own CSP.

axe's source is evaluated through the DevTools protocol, which the page's CSP does not govern, so
any test's device (service worker, offline, strict CSP and all) can be audited in the state it is in.
"""

from __future__ import annotations

import json
from typing import Any

from playwright.async_api import Page

from tests.browser.conftest import REPO, small_targets

AXE = REPO / "pwa" / "node_modules" / "axe-core" / "axe.min.js"


async def findings(page: Page) -> list[Any]:
    """Serious and critical axe violations and controls under 48 px on the page as it is now."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text())
    violations: list[Any] = await page.evaluate(
        """async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))"""
    )
    return [*violations, *await small_targets(page)]


async def assert_accessible(page: Page, screen: str) -> None:
    """No serious or critical axe violation and every visible control a 48 px target."""
    found = await findings(page)
    assert found == [], f"{screen}: {json.dumps(found, indent=1)}"
