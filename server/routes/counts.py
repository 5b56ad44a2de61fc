"""Cycle counts (requested, scheduled, counted blind, finished) and supervisors' approvals of big variances."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from domain.guided import FLOOR_ROLES
from server.auth.principal import ensure_warehouse, requires
from server.deps import Caller, Db
from server.mutations import register
from server.services import count_views, tasks
from server.services.count_approvals import DecideApproval, decide
from server.services.count_models import (
    ApprovalDecided,
    ApprovalView,
    CountFinished,
    CountRequested,
    CountResultView,
    CountsScheduled,
)
from server.services.counts import RequestCount, ScheduleCounts, finish_count, request_count, schedule_counts
from server.services.floor_mutations import SubmitCount, submit_count

SUPERVISOR = requires("supervisor")
FLOOR = requires(*sorted(FLOOR_ROLES))  # each task kind narrows it (domain/guided/roles)
Limit = Annotated[int, QueryParameter(ge=1, le=1000)]
Offset = Annotated[int, QueryParameter(ge=0)]


class CountController(Controller):
    path = "/api/warehouses/{warehouse:str}/counts"
    tags = ["counts"]

    @post("/", operation_id="requestCount", guards=[SUPERVISOR])
    async def request(
        self, warehouse: FromPath[str], data: JSONBody[RequestCount], db: Db, principal: Caller
    ) -> CountRequested:
        """Count a location now (every item in it, or one SKU): a high-priority blind count task."""
        return msgspec.convert(await request_count(db, principal, warehouse, data), CountRequested)

    @post("/schedule", operation_id="scheduleCounts", guards=[SUPERVISOR])
    async def schedule(self, warehouse: FromPath[str], data: JSONBody[ScheduleCounts], db: Db) -> CountsScheduled:
        """Count tasks for the (location, item) pairs due by their ABC class, never-counted and A first."""
        return msgspec.convert(await schedule_counts(db, warehouse, data), CountsScheduled)

    @post("/{task_id:int}/finish", operation_id="finishCount", status_code=200, guards=[FLOOR])
    async def finish(
        self, warehouse: FromPath[str], task_id: FromPath[int], db: Db, principal: Caller
    ) -> CountFinished:
        """Finish a blind count the caller holds: what was not counted counts as zero; variances are booked."""
        record = await tasks.load_locked(db, warehouse, task_id)
        return msgspec.convert(await finish_count(db, principal, record), CountFinished)

    @get("/results", operation_id="listCountResults", guards=[SUPERVISOR])
    async def results(
        self,
        warehouse: FromPath[str],
        db: Db,
        task: FromQuery[int | None] = None,
        location: FromQuery[str | None] = None,
        sku: FromQuery[str | None] = None,
        limit: Limit = 200,
        offset: Offset = 0,
    ) -> list[CountResultView]:
        """Counted lines against the system quantity, newest first, with what became of each variance."""
        found = await count_views.list_results(
            db, warehouse, task_id=task, location=location, sku=sku, limit=limit, offset=offset
        )
        return msgspec.convert(found, list[CountResultView])


class ApprovalController(Controller):
    path = "/api"
    tags = ["counts"]
    guards = [SUPERVISOR]

    @get("/warehouses/{warehouse:str}/approvals", operation_id="listApprovals")
    async def pending(
        self,
        warehouse: FromPath[str],
        db: Db,
        which: Annotated[str, QueryParameter(name="state")] = "pending",
        limit: Limit = 200,
        offset: Offset = 0,
    ) -> list[ApprovalView]:
        """Approvals of a warehouse: pending (oldest first, the default), decided or all."""
        found = await count_views.list_approvals(db, warehouse, state=which, limit=limit, offset=offset)
        return msgspec.convert(found, list[ApprovalView])

    @get("/approvals/{approval_id:int}", operation_id="getApproval")
    async def view(self, approval_id: FromPath[int], db: Db, principal: Caller) -> ApprovalView:
        """One approval with who asked, who decided and when."""
        found = await count_views.load_approval(db, approval_id)
        ensure_warehouse(principal, found["warehouse"])
        return msgspec.convert(found, ApprovalView)

    @post("/approvals/{approval_id:int}/approve", operation_id="approveApproval", status_code=200)
    async def approve(
        self, approval_id: FromPath[int], data: JSONBody[DecideApproval], db: Db, principal: Caller
    ) -> ApprovalDecided:
        """Approve a count variance: it is booked now, if the stock has not moved since the count."""
        decided = await decide(db, principal, approval_id=approval_id, cmd=data, approve=True)
        return msgspec.convert(decided, ApprovalDecided)

    @post("/approvals/{approval_id:int}/reject", operation_id="rejectApproval", status_code=200)
    async def reject(
        self, approval_id: FromPath[int], data: JSONBody[DecideApproval], db: Db, principal: Caller
    ) -> ApprovalDecided:
        """Reject a count variance: nothing is booked; optionally order a recount."""
        decided = await decide(db, principal, approval_id=approval_id, cmd=data, approve=False)
        return msgspec.convert(decided, ApprovalDecided)


register("count.submit", SubmitCount, submit_count)
