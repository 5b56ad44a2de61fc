"""Login, badge login, refresh rotation and reuse detection, revocation, expiry, throttling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient

from server.auth.tokens import Principal, decode_access_token, issue_access_token
from server.settings import Settings
from tests.backends import wait_until
from tests.conftest import app_with, auth_headers, bearer, login

Client = AsyncTestClient[Litestar]


async def test_password_login_returns_tokens_and_the_user(client: Client) -> None:
    body = await login(client, "picker1")
    assert body["expires_in"] > 0
    assert body["user"]["username"] == "picker1"
    assert body["user"]["roles"] == ["picker"]
    assert body["user"]["warehouses"] == ["WH1"]
    me = await client.get("/api/auth/me", headers=bearer(body))
    assert me.status_code == 200
    assert me.json()["display_name"] == "Pia Picker"


async def test_badge_login_with_pin_works_and_a_wrong_pin_is_refused(client: Client) -> None:
    ok = await client.post("/api/auth/badge", json={"badge": "1001", "pin": "1234"})
    assert ok.status_code == 200
    assert ok.json()["user"]["username"] == "picker1"
    bad = await client.post("/api/auth/badge", json={"badge": "1001", "pin": "0000"})
    assert bad.status_code == 401
    assert bad.json()["code"] == "auth.invalid_credentials"


async def test_wrong_password_and_unknown_user_get_the_same_answer(client: Client) -> None:
    wrong = await client.post("/api/auth/login", json={"username": "picker1", "password": "nope-nope"})
    unknown = await client.post("/api/auth/login", json={"username": "ghost", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_refresh_rotates_and_the_new_token_works(client: Client) -> None:
    first = await login(client, "rep1")
    rotated = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get("/api/auth/me", headers=bearer(second))).status_code == 200
    again = await client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 200


async def test_reusing_a_refresh_token_revokes_the_whole_family(client: Client) -> None:
    first = await login(client, "rep1")
    second = (await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})).json()
    reuse = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    assert reuse.json()["code"] == "auth.refresh_reused"
    # the thief's copy and the rightful holder's newer token are both dead now
    after = await client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401
    assert after.json()["code"] == "auth.session_revoked"
    await wait_until(
        lambda: _status(client, "/api/auth/me", bearer(second), 401), what="access token of a revoked family"
    )


async def _status(client: Client, path: str, headers: dict[str, str], expected: int) -> bool:
    return (await client.get(path, headers=headers)).status_code == expected


async def test_a_forged_refresh_token_is_refused(client: Client) -> None:
    first = await login(client, "rep1")
    token_id = first["refresh_token"].split(".")[0]
    forged = await client.post("/api/auth/refresh", json={"refresh_token": f"{token_id}.guessed"})
    assert forged.status_code == 401
    assert forged.json()["code"] == "auth.refresh_invalid"
    garbage = await client.post("/api/auth/refresh", json={"refresh_token": "garbage"})
    assert garbage.json()["code"] == "auth.refresh_invalid"


async def test_logout_ends_the_login(client: Client) -> None:
    tokens = await login(client, "picker2")
    out = await client.post("/api/auth/logout", headers=bearer(tokens))
    assert out.status_code == 204
    await wait_until(lambda: _status(client, "/api/auth/me", bearer(tokens), 401), what="logout to take effect")
    refresh = await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.json()["code"] == "auth.session_revoked"


async def test_disabling_a_user_revokes_their_tokens_and_blocks_login(client: Client) -> None:
    admin = await auth_headers(client, "admin")
    created = await client.post(
        "/api/admin/users",
        headers=admin,
        json={
            "username": "temp-picker-1",
            "display_name": "Temp",
            "roles": ["picker"],
            "warehouses": ["WH1"],
            "password": "temporary-pass",
        },
    )
    assert created.status_code == 201, created.text
    tokens = await login(client, "temp-picker-1", "temporary-pass")
    disabled = await client.post(f"/api/admin/users/{created.json()['id']}/disable", headers=admin)
    assert disabled.status_code == 200
    assert disabled.json()["disabled"] is True
    await wait_until(lambda: _status(client, "/api/auth/me", bearer(tokens), 401), what="disabled user's token")
    again = await client.post("/api/auth/login", json={"username": "temp-picker-1", "password": "temporary-pass"})
    assert again.status_code == 403
    assert again.json()["code"] == "auth.user_disabled"


async def test_disabling_a_device_revokes_logins_on_it(client: Client) -> None:
    tokens = await login(client, "picker1")
    registered = await client.post(
        "/api/devices", headers=bearer(tokens), json={"name": "RF-07", "platform": "android"}
    )
    assert registered.status_code == 201, registered.text
    device_tokens = registered.json()["tokens"]
    device_id = registered.json()["device"]["id"]
    assert device_tokens["user"]["device_id"] == device_id
    admin = await auth_headers(client, "admin")
    assert (await client.post(f"/api/devices/{device_id}/disable", headers=admin)).status_code == 200
    await wait_until(lambda: _status(client, "/api/auth/me", bearer(device_tokens), 401), what="device revoke")
    relogin = await client.post("/api/auth/badge", json={"badge": "1001", "pin": "1234", "device_id": device_id})
    assert relogin.status_code == 403
    assert relogin.json()["code"] == "auth.device_disabled"


async def test_an_expired_access_token_is_refused(client: Client, seeded: Settings) -> None:
    tokens = await login(client, "picker1")
    principal = decode_access_token(tokens["access_token"], secret=seeded.secret_key)
    assert isinstance(principal, Principal)
    expired = issue_access_token(
        principal, secret=seeded.secret_key, now=datetime.now(UTC) - timedelta(hours=1), ttl_s=60
    )
    response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.json()["code"] == "auth.unauthenticated"


async def test_a_token_signed_with_another_key_is_refused(client: Client, seeded: Settings) -> None:
    tokens = await login(client, "picker1")
    principal = decode_access_token(tokens["access_token"], secret=seeded.secret_key)
    assert principal is not None
    forged = issue_access_token(principal, secret="x" * 48, now=datetime.now(UTC), ttl_s=600)
    assert (await client.get("/api/auth/me", headers={"Authorization": f"Bearer {forged}"})).status_code == 401


async def test_an_expired_refresh_token_is_refused(seeded: Settings) -> None:
    async with AsyncTestClient(app_with(seeded, refresh_token_ttl_s=0)) as short:
        tokens = await login(short, "rep1")
        response = await short.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert response.status_code == 401
        assert response.json()["code"] == "auth.refresh_expired"


async def test_login_is_throttled_per_account_after_repeated_failures(seeded: Settings) -> None:
    async with AsyncTestClient(app_with(seeded, login_attempts_per_account=3)) as throttled:
        for _ in range(3):
            r = await throttled.post("/api/auth/badge", json={"badge": "2101", "pin": "0000"})
            assert r.status_code == 401
        blocked = await throttled.post("/api/auth/badge", json={"badge": "2101", "pin": "1111"})
        assert blocked.status_code == 429
        assert blocked.json()["code"] == "auth.throttled"
        assert "retry-after" in blocked.headers


async def test_login_is_throttled_per_client_address(seeded: Settings) -> None:
    async with AsyncTestClient(app_with(seeded, login_attempts_per_address=2)) as throttled:
        # the per-address count includes failures of other tests on this address, so use fresh names
        for name in ("nobody-a", "nobody-b", "nobody-c"):
            await throttled.post("/api/auth/login", json={"username": name, "password": "wrong-wrong"})
        blocked = await throttled.post("/api/auth/login", json={"username": "rep1", "password": "floorsync-rep"})
        assert blocked.status_code == 429
