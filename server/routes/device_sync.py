"""``POST /api/devices/{device_id}/mutations``: an offline device's queue, replayed in order.

The mutation kinds registered here are the ones this module owns; other modules register theirs
with ``server.mutations.register`` next to their routes.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, post
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import AUTHENTICATED, ensure_warehouse
from server.auth.tokens import Principal
from server.deps import Caller, Db
from server.mutations import MAX_BATCH, Mutation, MutationsAnswer, apply_batch, register
from server.problems import Problem
from server.services.locations import NewLocationIn, create_location


async def _location_create(db: AsyncSession, principal: Principal, payload: NewLocationIn) -> dict[str, Any]:
    if not principal.roles & {"supervisor", "admin"}:
        raise Problem(403, "auth.forbidden", "Only supervisors create locations.")
    if not payload.warehouse:
        raise Problem(422, "location.no_warehouse", "Say which warehouse the location is in.")
    ensure_warehouse(principal, payload.warehouse)
    view = await create_location(db, payload.warehouse, payload)
    result: dict[str, Any] = msgspec.to_builtins(view)
    return result


register("location.create", NewLocationIn, _location_create)


class DeviceSyncController(Controller):
    path = "/api/devices"
    tags = ["devices"]

    @post("/{device_id:uuid}/mutations", operation_id="pushDeviceMutations", status_code=200, guards=[AUTHENTICATED])
    async def push(
        self, device_id: FromPath[uuid.UUID], data: JSONBody[list[Mutation]], db: Db, principal: Caller
    ) -> MutationsAnswer:
        """Apply the device's numbered mutations in order, each exactly once.

        An id already applied answers its stored result (``replayed``); an id past the next expected
        one is ``refused`` with ``expected_mutation_id`` (and so is the rest of the batch), so the
        device resends in order; a business rule saying no answers ``rejected`` with a code and
        reason, and counts as applied so one bad scan never jams the queue.
        """
        if len(data) > MAX_BATCH:
            raise Problem(413, "mutation.batch_too_large", f"Send at most {MAX_BATCH} mutations per batch.")
        if any(m.mutation_id < 1 for m in data):
            raise Problem(422, "mutation.invalid_id", "Mutation ids are numbered from 1 upwards, per device.")
        return await apply_batch(db, principal, device_id, data)
