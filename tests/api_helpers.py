"""Helpers for tests that drive a real server over HTTP: tokens, idempotency keys, private warehouses."""

from __future__ import annotations

import secrets
import uuid

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import DEMO_PASSWORDS


async def token(api: httpx.AsyncClient, username: str) -> dict[str, str]:
    answer = await api.post("/api/auth/login", json={"username": username, "password": DEMO_PASSWORDS[username]})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def keyed(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Idempotency-Key": str(uuid.uuid4())}


async def new_warehouse(db: async_sessionmaker[AsyncSession], *members: str) -> str:
    """A warehouse of the test's own (so its positions start at 1), with ``members`` working in it."""
    code = "H" + secrets.token_hex(3).upper()
    async with db() as session, session.begin():
        await session.execute(
            text("INSERT INTO warehouses (code, name, timezone, currency) VALUES (:w, :w, 'UTC', 'EUR')"), {"w": code}
        )
        await session.execute(
            text("INSERT INTO memberships (user_id, warehouse) SELECT id, :w FROM users WHERE username = ANY(:u)"),
            {"w": code, "u": list(members)},
        )
    return code


async def stamped_seq(db: async_sessionmaker[AsyncSession], entity_id: str) -> int | None:
    async with db() as session:
        seq = await session.scalar(text("SELECT seq FROM outbox_events WHERE entity_id = :e"), {"e": entity_id})
    return None if seq is None else int(seq)
