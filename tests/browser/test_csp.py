"""The app runs under its strict Content-Security-Policy: logging in and working raise no violation."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, BrowserContext

from tests.browser.conftest import Floor, badge_log_in, device, log_in

pytestmark = pytest.mark.e2e

# runs before any page script; records what the browser's CSP blocked
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


async def test_the_app_works_under_its_csp_without_violations(
    browser: Browser, contexts: list[BrowserContext], floor: Floor
) -> None:
    context, page = await device(browser, contexts)
    await context.add_init_script(RECORD_VIOLATIONS)
    response = await page.goto(floor.url + "/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    await log_in(page, floor, "rep1")
    await page.reload()
    assert await page.evaluate("window.__cspViolations") == []
    _, handheld = await device(browser, contexts)
    await handheld.add_init_script(RECORD_VIOLATIONS)
    await badge_log_in(handheld, floor, "1001", "1234")
    assert await handheld.evaluate("window.__cspViolations") == []
