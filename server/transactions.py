"""One request, one transaction; commands commit only on success, together with their idempotency
record, so that a replay returns the stored answer and bad input writes nothing."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any, cast

from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.tokens import Principal
from server.db import pg
from server.problems import PROBLEM_JSON, problem_body

log = logging.getLogger("floorsync.transactions")

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_KEY_LENGTH = 128
MAX_ATTEMPTS = 5
# Tokens must never be stored in the idempotency table; a login replays by logging in again.
NOT_IDEMPOTENT = ("/api/auth/",)
# Routes that stream their body and own their transaction and Idempotency-Key (server/imports/keys.py):
# buffering a file of a million lines here would hold it all in memory.
STREAMED = ("/api/imports/",)


@dataclass
class _BufferedResponse:
    """Holds the response until the transaction has committed, so no client sees uncommitted data."""

    messages: list[Message] = field(default_factory=list)
    status: int = 500
    content_type: str = "application/json"

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            for name, value in message.get("headers", ()):
                if name.lower() == b"content-type":
                    self.content_type = value.decode("latin-1")
        self.messages.append(message)

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages if m["type"] == "http.response.body")

    async def flush(self, send: Send) -> None:
        for message in self.messages:
            await send(message)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Any:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _send_whole(send: Send, status: int, body: bytes, content_type: str, **headers: str) -> None:
    raw_headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


class TransactionMiddleware:
    """Gives each ``/api`` request a session in ``scope["state"]["db"]`` and owns its transaction.

    Reads (GET, HEAD) run in autocommit: each statement sees the latest commits, exactly as in a
    READ COMMITTED transaction, without the BEGIN and ROLLBACK round trips. They write nothing.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(STREAMED):
            await self.app(scope, receive, send)
            return
        if cast(HTTPScope, scope)["method"] not in MUTATING:
            async with scope["app"].state.read_sessionmaker() as session:
                scope["state"]["db"] = session
                await self.app(scope, receive, send)
            return
        await self._command(cast(HTTPScope, scope), await _read_body(receive), send)

    async def _command(self, scope: HTTPScope, body: bytes, send: Send) -> None:
        key = _header(scope, b"idempotency-key")
        principal = scope.get("user")
        keyed = bool(key) and isinstance(principal, Principal) and not scope["path"].startswith(NOT_IDEMPOTENT)
        if key is not None and (not key.strip() or len(key) > MAX_KEY_LENGTH):
            await _send_whole(
                send,
                400,
                problem_body(
                    400,
                    "idempotency.key_invalid",
                    f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.",
                ),
                PROBLEM_JSON,
            )
            return
        request_hash = hashlib.sha256(scope["method"].encode() + scope["path"].encode() + b"\0" + body).hexdigest()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            async with scope["app"].state.sessionmaker() as session:
                if keyed:
                    assert isinstance(principal, Principal) and key is not None
                    try:
                        stored = await _claim(session, principal, key, scope, request_hash)
                    except DBAPIError as exc:
                        if exc.connection_invalidated and attempt < MAX_ATTEMPTS:
                            continue  # a pooled connection died (database restart): take a fresh one
                        raise
                    if stored is not None:
                        await _send_whole(send, *stored, idempotent_replayed="true")
                        return
                scope["state"]["db"] = session
                scope["state"].pop("retryable", None)
                scope["state"].pop(STORED_BODY, None)
                response = _BufferedResponse()
                await self.app(scope, _replay(body), response)
                if scope["state"].get("retryable") and attempt < MAX_ATTEMPTS:
                    await session.rollback()
                    log.info(
                        "retrying %s %s after a conflict (attempt %d)",
                        scope["method"],
                        scope["path"],
                        attempt,
                    )
                    continue
                if response.status < 400:
                    if keyed:
                        assert isinstance(principal, Principal)
                        stored_body = scope["state"].get(STORED_BODY)
                        await _store(session, principal, key or "", response, stored_body=stored_body)
                    await session.commit()
                    await _after_commit(scope, session)
                else:
                    await session.rollback()
                await response.flush(send)
                return


async def _claim(
    session: AsyncSession, principal: Principal, key: str, scope: HTTPScope, request_hash: str
) -> tuple[int, bytes, str] | None:
    """Own the key for this transaction, or return the stored (status, body, content type).

    A concurrent request with the same key waits here on the first one's uncommitted row, then
    replays what it committed: two requests, one effect.
    """
    inserted = await session.execute(
        text(
            "INSERT INTO idempotency_keys (principal, key, method, path, request_hash) "
            "VALUES (:p, :k, :m, :path, :h) ON CONFLICT DO NOTHING RETURNING 1"
        ),
        {"p": principal.key, "k": key, "m": scope["method"], "path": scope["path"], "h": request_hash},
    )
    if inserted.scalar() is not None:
        return None
    row = (
        await session.execute(
            text(
                "SELECT request_hash, status_code, response_body, content_type FROM idempotency_keys "
                "WHERE principal = :p AND key = :k"
            ),
            {"p": principal.key, "k": key},
        )
    ).one()
    await session.rollback()
    if row.request_hash != request_hash:
        body = problem_body(
            422,
            "idempotency.key_reused",
            "This Idempotency-Key was already used for a different request; use a new key for a new command.",
        )
        return 422, body, PROBLEM_JSON
    return row.status_code, row.response_body, row.content_type


STORED_BODY = "idempotency_stored_body"
"""A handler whose answer carries secrets (tokens) puts a body without them in
``scope["state"][STORED_BODY]``: that is what the idempotency store keeps and a replay answers."""


async def _store(
    session: AsyncSession, principal: Principal, key: str, response: _BufferedResponse, *, stored_body: Any
) -> None:
    body = stored_body if isinstance(stored_body, bytes) else response.body
    await (await pg(session)).execute(
        "UPDATE idempotency_keys SET status_code = $1, response_body = $2, content_type = $3"
        " WHERE principal = $4 AND key = $5",
        response.status,
        body,
        response.content_type,
        principal.key,
        key,
    )


async def _after_commit(scope: Scope, session: AsyncSession) -> None:
    hook: Any = getattr(scope["app"].state, "after_commit", None)
    if hook is not None:
        await hook(session)
