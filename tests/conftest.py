"""Shared fixtures: one fresh database per run on real PostgreSQL and Redis, migrated and seeded."""

from __future__ import annotations

import gc
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import hypothesis
import pytest
import redis.asyncio as aioredis
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.app import create_app
from server.db import make_engine, make_sessionmaker
from server.migrate import upgrade
from server.seed import seed_demo
from server.settings import Settings
from tests.backends import TestBackends, test_backends

# properties check what the code does, not how fast: a busy machine must not fail an example on time
hypothesis.settings.register_profile("floorsync", deadline=None)
hypothesis.settings.load_profile("floorsync")

_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed:
        item.stash[_FAILED] = True
    return report


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    # A failed test may leave clients and sockets unclosed. Collect them now, after its fixtures and
    # before pytest gathers unraisable errors for it, so their ResourceWarnings are reported with the
    # test that leaked them instead of failing whichever later test the collector happens to run in.
    if item.stash.get(_FAILED, False):
        gc.collect()


DEMO_PASSWORDS = {
    "admin": "floorsync-admin",
    "super1": "floorsync-super",
    "picker1": "floorsync-picker",
    "picker2": "floorsync-picker",
    "picker3": "floorsync-picker",
    "receiver1": "floorsync-receiver",
    "receiver2": "floorsync-receiver",
    "rep1": "floorsync-rep",
}


@pytest.fixture(scope="session")
async def backends() -> AsyncIterator[TestBackends]:
    async with test_backends() as found:
        engine = make_engine(found.database_url, pool_size=2)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        yield found
        redis = aioredis.from_url(found.redis_url)
        keys = [k async for k in redis.scan_iter(f"{found.redis_namespace}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


@pytest.fixture(scope="session")
def settings(backends: TestBackends, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=backends.database_url,
        redis_url=backends.redis_url,
        redis_namespace=backends.redis_namespace,
        secret_key=secrets.token_urlsafe(48),
        data_dir=tmp_path_factory.mktemp("data"),
        # every test shares the test client's address; the throttle test builds its own app
        login_attempts_per_address=100_000,
        login_attempts_per_account=100_000,
    )


@pytest.fixture(scope="session")
async def seeded(settings: Settings) -> Settings:
    await seed_demo(settings)
    return settings


@pytest.fixture(scope="session")
async def db(backends: TestBackends) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The tests' own sessions, for arranging and asserting apart from the app under test."""
    engine = make_engine(backends.database_url, pool_size=4)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
def app(seeded: Settings) -> Litestar:
    return create_app(seeded)


@pytest.fixture(scope="session")
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app) as test_client:
        yield test_client


def app_with(settings: Settings, **changes: Any) -> Litestar:
    """A separate app on the same backends with some settings changed."""
    return create_app(replace(settings, **changes))


async def login(client: AsyncTestClient[Litestar], username: str, password: str | None = None) -> dict[str, Any]:
    response = await client.post(
        "/api/auth/login", json={"username": username, "password": password or DEMO_PASSWORDS[username]}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def auth_headers(client: AsyncTestClient[Litestar], username: str) -> dict[str, str]:
    return bearer(await login(client, username))


def new_key() -> str:
    return str(uuid.uuid4())
