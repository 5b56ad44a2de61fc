"""The Idempotency-Key of a streamed import. The transaction middleware buffers a command's body to
hash it before running it; an import's body is too big for that, so the key is checked here: a stored
key is replayed once the body has streamed past its hash, and a new key is stored with the report in
the import's own transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from litestar import Request, Response
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import Conflict
from server.imports.service import BeforeCommit, Outcome
from server.problems import Problem
from server.transactions import MAX_KEY_LENGTH


@dataclass(frozen=True, slots=True)
class Stored:
    request_hash: str
    status: int
    body: bytes
    content_type: str


def header_key(request: Request[Any, Any, Any]) -> str | None:
    """The request's Idempotency-Key, or None; 400 when it is blank or too long."""
    key = request.headers.get("idempotency-key")
    if key is not None and (not key.strip() or len(key) > MAX_KEY_LENGTH):
        raise Problem(400, "idempotency.key_invalid", f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.")
    return key


async def stored(engine: AsyncEngine, principal: str, key: str) -> Stored | None:
    """The answer stored under ``key`` by an earlier request of the same caller."""
    async with engine.connect() as sa_conn:
        conn: Any = (await sa_conn.get_raw_connection()).driver_connection
        row = await conn.fetchrow(
            "SELECT request_hash, status_code, response_body, content_type FROM idempotency_keys"
            " WHERE principal = $1 AND key = $2 AND status_code IS NOT NULL",
            principal,
            key,
        )
    return None if row is None else Stored(row[0], row[1], bytes(row[2]), row[3])


def replay(prior: Stored, request_hash: str) -> Response[bytes]:
    """The stored answer, or ``idempotency.key_reused`` when the file is not the one it answered."""
    if prior.request_hash != request_hash:
        raise Problem(
            422,
            "idempotency.key_reused",
            "This Idempotency-Key was already used for a different request; use a new key for a new command.",
        )
    return Response(
        prior.body,
        status_code=prior.status,
        media_type=prior.content_type,
        headers={"idempotent-replayed": "true"},
    )


def storer(principal: str, key: str, *, path: str, hasher: Any, encode: Callable[[Outcome], bytes]) -> BeforeCommit:
    """Stores the key with the report in the import's transaction, just before it commits."""

    async def store(conn: asyncpg.Connection, outcome: Outcome) -> None:
        inserted = await conn.fetchval(
            "INSERT INTO idempotency_keys (principal, key, method, path, request_hash, status_code, response_body,"
            " content_type) VALUES ($1, $2, 'POST', $3, $4, 200, $5, 'application/json') ON CONFLICT DO NOTHING"
            " RETURNING 1",
            principal,
            key,
            path[:256],
            hasher.hexdigest(),
            encode(outcome),
        )
        if inserted is None:
            raise Conflict(
                "idempotency.in_flight",
                "Another request with this Idempotency-Key was applied meanwhile; send again to get its answer.",
            )

    return store
