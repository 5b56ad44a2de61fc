"""The first admin from FLOORSYNC_BOOTSTRAP_ADMIN: made once, whatever the number of instances starting."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import any_, func, literal, select

from server.bootstrap import BootstrapAdmin, bootstrap_admin_from_env, ensure_admin
from server.db import make_engine, make_sessionmaker
from server.models.people import User
from server.settings import Settings, SettingsError
from tests.fresh import fresh_settings


async def _admins(settings: Settings) -> list[str]:
    engine = make_engine(settings.database_url or "", pool_size=1)
    try:
        async with make_sessionmaker(engine)() as db:
            return list(await db.scalars(select(User.username).where(literal("admin") == any_(User.roles))))
    finally:
        await engine.dispose()


async def test_two_instances_starting_at_once_make_one_admin_and_later_starts_make_none(seeded: Settings) -> None:
    async with fresh_settings(seeded, seed=False) as settings:
        first = BootstrapAdmin(username="site-admin", password="a-long-password")
        created = await asyncio.gather(*(ensure_admin(settings, first) for _ in range(2)))
        assert sorted(created) == [False, True]
        assert await _admins(settings) == ["site-admin"]

        another = BootstrapAdmin(username="other-admin", password="a-long-password")
        assert await ensure_admin(settings, another) is False
        assert await _admins(settings) == ["site-admin"]


async def test_no_bootstrap_admin_where_an_admin_exists(seeded: Settings) -> None:
    before = await _admins(seeded)
    assert before, "the demo has an admin"
    assert await ensure_admin(seeded, BootstrapAdmin(username="late", password="a-long-password")) is False
    engine = make_engine(seeded.database_url or "", pool_size=1)
    try:
        async with make_sessionmaker(engine)() as db:
            assert await db.scalar(select(func.count()).where(User.username == "late")) == 0
    finally:
        await engine.dispose()


def test_bootstrap_admin_reads_username_and_password_or_a_password_file(tmp_path: Path) -> None:
    assert bootstrap_admin_from_env({}) is None
    assert bootstrap_admin_from_env({"FLOORSYNC_BOOTSTRAP_ADMIN": "boss:a:long:pass"}) == BootstrapAdmin(
        "boss", "a:long:pass"
    )
    secret = tmp_path / "admin_password"
    secret.write_text("from-a-secret-file\n")
    found = bootstrap_admin_from_env(
        {"FLOORSYNC_BOOTSTRAP_ADMIN": "boss", "FLOORSYNC_BOOTSTRAP_ADMIN_PASSWORD_FILE": str(secret)}
    )
    assert found == BootstrapAdmin("boss", "from-a-secret-file")
    assert "from-a-secret-file" not in repr(found)


@pytest.mark.parametrize(
    ("environ", "says"),
    [
        ({"FLOORSYNC_BOOTSTRAP_ADMIN": "boss"}, "FLOORSYNC_BOOTSTRAP_ADMIN_PASSWORD_FILE"),
        ({"FLOORSYNC_BOOTSTRAP_ADMIN": ":a-long-password"}, "username"),
        ({"FLOORSYNC_BOOTSTRAP_ADMIN": "boss:short"}, "8 characters"),
        (
            {"FLOORSYNC_BOOTSTRAP_ADMIN": "boss", "FLOORSYNC_BOOTSTRAP_ADMIN_PASSWORD_FILE": "/nonexistent/pw"},
            "cannot read",
        ),
    ],
)
def test_a_bootstrap_admin_that_cannot_work_says_what_to_set(environ: dict[str, str], says: str) -> None:
    with pytest.raises(SettingsError, match=says):
        bootstrap_admin_from_env(environ)
