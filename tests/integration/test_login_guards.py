"""Login guards under concurrency: attempts are counted before the check, argon2 runs off the event
loop, and a badge locks after too many wrong PINs until a supervisor unlocks it."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.auth.passwords import hash_secret, verify_secret
from server.settings import Settings
from server.sweeper import sweep_once
from tests.conftest import DEMO_PASSWORDS, app_with, new_key
from tests.live import serve


@contextlib.asynccontextmanager
async def live(settings: Settings, **changes: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A real server on this loop: concurrent requests really overlap (the test client runs one at a time)."""
    async with serve(app_with(settings, **changes)) as url, httpx.AsyncClient(base_url=url, timeout=120) as http:
        yield http


async def auth_headers(client: httpx.AsyncClient, username: str, password: str | None = None) -> dict[str, str]:
    body = {"username": username, "password": password or DEMO_PASSWORDS[username]}
    response = await client.post("/api/auth/login", json=body)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}", "Idempotency-Key": new_key()}


async def make_user(
    client: httpx.AsyncClient, *, roles: list[str], warehouses: list[str], **credentials: str
) -> dict[str, Any]:
    """A fresh user, so counters and lockouts of other tests never touch it."""
    name = f"guard-{uuid.uuid4().hex[:10]}"
    body = {"username": name, "display_name": name, "roles": roles, "warehouses": warehouses, **credentials}
    created = await client.post("/api/admin/users", json=body, headers=await auth_headers(client, "admin"))
    assert created.status_code == 201, created.text
    user: dict[str, Any] = created.json()
    return user


def statuses(responses: list[httpx.Response]) -> dict[int, int]:
    counted: dict[int, int] = {}
    for response in responses:
        counted[response.status_code] = counted.get(response.status_code, 0) + 1
    return counted


async def test_concurrent_wrong_passwords_get_at_most_the_limit_of_real_checks(seeded: Settings) -> None:
    async with live(seeded, login_attempts_per_account=5, login_attempts_per_address=100_000) as client:
        user = await make_user(client, roles=["picker"], warehouses=["WH1"], password="right-password-1")
        wrong = {"username": user["username"], "password": "wrong-password"}
        answers = await asyncio.gather(*(client.post("/api/auth/login", json=wrong) for _ in range(40)))
        counted = statuses(list(answers))
        print(f"40 concurrent wrong passwords: {counted}")
        assert set(counted) <= {401, 429}, counted
        assert 1 <= counted.get(401, 0) <= 5, counted  # a 401 is a real check; a 429 was refused before it
        assert all(a.json()["code"] == "auth.throttled" for a in answers if a.status_code == 429)


async def test_concurrent_pin_guesses_get_at_most_the_limit_of_real_checks(seeded: Settings) -> None:
    async with live(seeded, login_attempts_per_account=5, login_attempts_per_address=100_000) as client:
        badge = str(uuid.uuid4().int)[:12]
        await make_user(client, roles=["picker"], warehouses=["WH1"], badge=badge, pin="4321")
        guesses = [client.post("/api/auth/badge", json={"badge": badge, "pin": f"{n:04d}"}) for n in range(200)]
        counted = statuses(list(await asyncio.gather(*guesses)))
        print(f"200 concurrent PIN guesses: {counted}")
        assert set(counted) <= {401, 429}, counted
        assert 1 <= counted.get(401, 0) <= 5, counted


async def exceptions_about(db: async_sessionmaker[AsyncSession], subject: str) -> list[Any]:
    async with db() as session:
        rows = await session.execute(
            text("SELECT kind, warehouse, state FROM exceptions WHERE subject = :s ORDER BY warehouse"), {"s": subject}
        )
        return list(rows)


async def test_a_badge_locks_after_wrong_pins_alerts_and_a_supervisor_unlocks_it(
    seeded: Settings, db: async_sessionmaker[AsyncSession]
) -> None:
    limits = {"pin_lockout_after": 3, "login_attempts_per_account": 1_000, "login_attempts_per_address": 100_000}
    async with live(seeded, **limits) as client:
        badge = str(uuid.uuid4().int)[:12]
        await make_user(client, roles=["picker"], warehouses=["WH2"], badge=badge, pin="4321")
        guesses = [client.post("/api/auth/badge", json={"badge": badge, "pin": f"{n:04d}"}) for n in range(60)]
        answers = list(await asyncio.gather(*guesses))
        counted = statuses(answers)
        assert set(counted) <= {401, 423}, counted
        assert counted.get(401, 0) == 3, counted  # three real checks, then the badge is locked
        right = await client.post("/api/auth/badge", json={"badge": badge, "pin": "4321"})
        assert right.status_code == 423, right.text
        assert right.json()["code"] == "auth.badge_locked"
        assert [tuple(r) for r in await exceptions_about(db, f"badge:{badge}")] == [("badge_locked", "WH2", "open")]

        wh1_super = await make_user(client, roles=["supervisor"], warehouses=["WH1"], password="super-password-1")
        outsider = await auth_headers(client, wh1_super["username"], "super-password-1")
        refused = await client.post(f"/api/badges/{badge}/unlock", headers=outsider)
        assert refused.status_code == 403, refused.text
        picker = await auth_headers(client, "picker3")
        assert (await client.post(f"/api/badges/{badge}/unlock", headers=picker)).status_code == 403

        supervisor = await auth_headers(client, "super1")
        unlocked = await client.post(f"/api/badges/{badge}/unlock", headers=supervisor)
        assert unlocked.status_code == 200, unlocked.text
        assert unlocked.json()["locked"] is False
        again = await client.post("/api/auth/badge", json={"badge": badge, "pin": "4321"})
        assert again.status_code == 200, again.text
        assert [r.state for r in await exceptions_about(db, f"badge:{badge}")] == ["resolved"]


def _verify_cpu_s() -> float:
    """The CPU one argon2 check of a login costs, measured here, on its own thread."""
    stored = hash_secret("a-password")
    started = time.thread_time()
    verify_secret(stored, "a-password")
    return time.thread_time() - started


async def test_logins_hash_in_worker_threads_not_on_the_event_loop(seeded: Settings) -> None:
    # CPU time, not wall time: a busy machine stretches every wait, but where the CPU of 100 argon2
    # checks was spent (worker threads, or this loop's thread) does not depend on the load
    async with live(seeded) as http:

        async def one_login() -> None:
            answer = await http.post("/api/auth/login", json={"username": "rep1", "password": "floorsync-rep"})
            assert answer.status_code == 200, answer.text

        await one_login()  # the first one warms up what every later one reuses
        process_before, loop_before = time.process_time(), time.thread_time()  # this loop serves the app
        for _ in range(10):  # 100 logins, 10 at a time: a shift change
            await asyncio.gather(*(one_login() for _ in range(10)))
        loop_cpu = time.thread_time() - loop_before
        off_loop_cpu = time.process_time() - process_before - loop_cpu
        verify_cpu = min([await asyncio.to_thread(_verify_cpu_s) for _ in range(3)])
        print(f"100 logins: {loop_cpu:.2f} s CPU on the loop, {off_loop_cpu:.2f} s off it, one verify {verify_cpu:.3f}")
        assert off_loop_cpu > 50 * verify_cpu, "the logins' argon2 checks did not run in worker threads"


async def test_the_sweeper_forgets_counters_whose_window_has_passed(
    seeded: Settings, db: async_sessionmaker[AsyncSession]
) -> None:
    app = app_with(seeded)
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=120) as client:
        old = await make_user(client, roles=["picker"], warehouses=["WH1"], password="right-password-1")
        recent = await make_user(client, roles=["picker"], warehouses=["WH1"], password="right-password-1")
        for user in (old, recent):
            wrong = await client.post("/api/auth/login", json={"username": user["username"], "password": "wrong"})
            assert wrong.status_code == 401, wrong.text
        keys = [f"account:{old['username']}", f"account:{recent['username']}"]
        async with db() as session, session.begin():
            await session.execute(
                text("UPDATE login_counters SET window_start = now() - interval '1 day' WHERE key = :k"), {"k": keys[0]}
            )
        await sweep_once(app)
        async with db() as session:
            left = set(await session.scalars(text("SELECT key FROM login_counters WHERE key = ANY(:k)"), {"k": keys}))
    assert left == {keys[1]}  # the lapsed one is gone, the live one still counts
