"""Offline devices' numbered mutations: each applied once, in order, in the same transaction as its
effect, with its result stored; a business rejection is answered ``rejected`` and still counts.

Handheld commands plug in with ``register(kind, PayloadStruct, handler)``; a handler is
``async (db, principal, payload) -> dict`` (the result stored and returned) and raises ``DomainError``
or a 4xx ``Problem`` to reject. It runs inside a SAVEPOINT, so a rejected mutation leaves no writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

import msgspec
from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, Forbidden, NotFound
from server.auth.tokens import Principal
from server.models import Device, DeviceMutation, DeviceQueue
from server.problems import Problem, domain_status

Handler = Callable[[AsyncSession, Principal, Any], Awaitable[dict[str, Any]]]
Outcome = Literal["applied", "rejected", "refused"]
MAX_BATCH = 1000


@dataclass(frozen=True, slots=True)
class MutationKind:
    kind: str
    payload_type: type[msgspec.Struct]
    handler: Handler


_REGISTRY: dict[str, MutationKind] = {}


def register(kind: str, payload_type: type[msgspec.Struct], handler: Handler) -> None:
    """Make ``kind`` available to devices (registering the same kind twice with another handler fails)."""
    known = _REGISTRY.get(kind)
    if known is not None and (known.handler is not handler or known.payload_type is not payload_type):
        raise ValueError(f"mutation kind {kind!r} is already registered")
    _REGISTRY[kind] = MutationKind(kind, payload_type, handler)


def registered_kinds() -> list[str]:
    """Kinds devices may send."""
    return sorted(_REGISTRY)


def registered() -> list[MutationKind]:
    """Every registered kind with its payload type and handler, by kind."""
    return [_REGISTRY[kind] for kind in registered_kinds()]


class Mutation(msgspec.Struct, forbid_unknown_fields=True):
    mutation_id: int
    kind: str
    payload: dict[str, Any] = {}


class MutationResult(msgspec.Struct, omit_defaults=True):
    mutation_id: int
    outcome: Outcome
    status: int
    result: dict[str, Any] = {}
    replayed: bool = False
    expected_mutation_id: int | None = None


class MutationsAnswer(msgspec.Struct):
    device_id: uuid.UUID
    last_mutation_id: int  # the last applied (or rejected) mutation of the caller's queue on the device
    next_mutation_id: int  # the one the server expects next
    results: list[MutationResult]


async def _lock_queue(db: AsyncSession, principal: Principal, device_id: uuid.UUID) -> tuple[Device, DeviceQueue]:
    """The caller's own queue on this device, locked: concurrent replays of it run one after the other.

    A personal device has one queue, its owner's; nobody else may read or advance it. A shared
    device has one per user, so one user's stored results never answer another's mutation ids.
    """
    device = await db.scalar(select(Device).where(Device.id == device_id).execution_options(populate_existing=True))
    if device is None:
        raise NotFound("device.not_found", f"No device {device_id}; register it first.")
    if device.user_id != principal.user_id and not device.shared:
        raise Forbidden("device.not_yours", "This device is enrolled to someone else; its queue is theirs.")
    if device.disabled:
        raise Forbidden("device.disabled", "This device is disabled; ask a supervisor.")
    await db.execute(
        pg_insert(DeviceQueue)
        .values(device_id=device_id, user_id=principal.user_id, last_mutation_id=0)
        .on_conflict_do_nothing()
    )
    queue = await db.scalar(
        select(DeviceQueue)
        .where(DeviceQueue.device_id == device_id, DeviceQueue.user_id == principal.user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert queue is not None
    return device, queue


async def _stored(db: AsyncSession, device_id: uuid.UUID, user_id: int, ids: list[int]) -> dict[int, DeviceMutation]:
    if not ids:
        return {}
    rows = await db.scalars(
        select(DeviceMutation).where(
            DeviceMutation.device_id == device_id,
            DeviceMutation.user_id == user_id,
            DeviceMutation.mutation_id.in_(ids),
        )
    )
    return {row.mutation_id: row for row in rows}


async def _apply_one(db: AsyncSession, principal: Principal, mutation: Mutation) -> tuple[Outcome, int, dict[str, Any]]:
    spec = _REGISTRY.get(mutation.kind)
    if spec is None:
        kinds = ", ".join(registered_kinds())
        return "rejected", 422, {"code": "mutation.unknown_kind", "detail": f"Unknown kind; known: {kinds}."}
    try:
        payload = msgspec.convert(mutation.payload, spec.payload_type)
    except msgspec.ValidationError as exc:
        return "rejected", 422, {"code": "mutation.invalid_payload", "detail": str(exc)}
    try:
        async with db.begin_nested():
            result = await spec.handler(db, principal, payload)
    except DomainError as exc:
        return "rejected", domain_status(exc), {"code": exc.code, "detail": exc.message, **_jsonable(exc.details)}
    except Problem as exc:
        if not 400 <= exc.status_code < 500:
            raise
        return "rejected", exc.status_code, {"code": exc.code, "detail": exc.detail, **_jsonable(exc.fields)}
    return "applied", 200, _jsonable(result)


def _jsonable(value: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(value))
    return converted


async def apply_batch(
    db: AsyncSession, principal: Principal, device_id: uuid.UUID, mutations: list[Mutation]
) -> MutationsAnswer:
    """Apply a device's mutations in order, exactly once each, in the caller's transaction.

    The batch's shape (its size, ids from 1) is checked by the route before it comes here.
    """
    device, queue = await _lock_queue(db, principal, device_id)
    done = queue.last_mutation_id
    stored = await _stored(
        db, device_id, principal.user_id, [m.mutation_id for m in mutations if m.mutation_id <= done]
    )
    results: list[MutationResult] = []
    records: list[dict[str, Any]] = []  # written together at the end: one statement, not one per mutation
    refused = False
    for mutation in mutations:
        expected = done + 1
        if mutation.mutation_id < expected:
            row = stored.get(mutation.mutation_id)
            if row is None:  # numbered before this device's history began; never ours to apply
                results.append(MutationResult(mutation.mutation_id, "rejected", 410, _missing(mutation.mutation_id)))
            else:
                outcome: Outcome = "applied" if row.outcome == "applied" else "rejected"
                results.append(MutationResult(row.mutation_id, outcome, row.status_code, row.result, replayed=True))
            continue
        if refused or mutation.mutation_id > expected:
            refused = True  # everything after a refusal waits too, so the device resends in order
            results.append(
                MutationResult(
                    mutation.mutation_id,
                    "refused",
                    409,
                    {"code": "mutation.out_of_order", "detail": f"Send mutation {expected} first."},
                    expected_mutation_id=expected,
                )
            )
            continue
        outcome, status, result = await _apply_one(db, principal, mutation)
        records.append(
            {
                "device_id": device_id,
                "mutation_id": mutation.mutation_id,
                "kind": mutation.kind[:64],
                "outcome": outcome,
                "status_code": status,
                "result": result,
                "user_id": principal.user_id,
            }
        )
        done = mutation.mutation_id
        results.append(MutationResult(mutation.mutation_id, outcome, status, result))
    if records:
        await db.execute(insert(DeviceMutation), records)
        queue.last_mutation_id = done
        if not device.shared:
            device.last_mutation_id = done  # what the device's own view shows
        await db.flush()
    return MutationsAnswer(device_id, done, done + 1, results)


def _missing(mutation_id: int) -> dict[str, Any]:
    return {"code": "mutation.unknown", "detail": f"Mutation {mutation_id} was never received from this device."}
