"""The supervisor's screens: task board, KPIs, the exceptions queue, and task reassignment."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.auth.principal import requires
from server.deps import Caller, Db
from server.services.board import reassign_task, task_board
from server.services.board_models import ExceptionView, Kpis, TaskBoard
from server.services.exceptions import acknowledge_exception, list_exceptions, resolve_exception
from server.services.kpis import warehouse_kpis
from server.services.task_models import TaskView


class Reassign(msgspec.Struct, forbid_unknown_fields=True):
    """The worker to hand the task to; null puts it back in the open pool."""

    worker: str | None


class ExceptionRef(msgspec.Struct, forbid_unknown_fields=True):
    """An exception by id (ids hold slashes, so they travel in the body)."""

    id: str


class ResolveException(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    resolution: str


class BoardController(Controller):
    path = "/api/warehouses/{warehouse:str}"
    tags = ["supervisor"]
    guards = [requires("supervisor")]

    @get("/board", operation_id="getTaskBoard")
    async def board(
        self, warehouse: FromPath[str], db: Db, limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200
    ) -> TaskBoard:
        """Work by status, kind, zone and worker, the most urgent active tasks, and queue sizes (with as_of)."""
        return msgspec.convert(await task_board(db, warehouse, limit=limit), TaskBoard)

    @get("/kpis", operation_id="getKpis")
    async def kpis(
        self, warehouse: FromPath[str], db: Db, hours: Annotated[int, QueryParameter(ge=1, le=168)] = 8
    ) -> Kpis:
        """Pick rate per picker, dock-to-stock, order cycle time, fill rate, backorder aging, count accuracy."""
        return msgspec.convert(await warehouse_kpis(db, warehouse, hours=hours), Kpis)

    @post("/tasks/{task_id:int}/reassign", operation_id="reassignTask", status_code=200)
    async def reassign(
        self, warehouse: FromPath[str], task_id: FromPath[int], data: JSONBody[Reassign], db: Db, principal: Caller
    ) -> TaskView:
        """Hand a task to another worker with a fresh lease, or release it to the pool."""
        return msgspec.convert(await reassign_task(db, principal, warehouse, task_id, worker=data.worker), TaskView)

    @get("/exceptions", operation_id="listExceptions")
    async def exceptions(
        self,
        warehouse: FromPath[str],
        db: Db,
        states: Annotated[list[str] | None, QueryParameter(name="state")] = None,
        kind: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[ExceptionView]:
        """The queue, oldest first; by default what is not resolved yet."""
        found = await list_exceptions(db, warehouse, states=states or ["open", "acknowledged"], kind=kind, limit=limit)
        return msgspec.convert(found, list[ExceptionView])

    @post("/exceptions/acknowledgements", operation_id="acknowledgeException", status_code=200)
    async def acknowledge(
        self, warehouse: FromPath[str], data: JSONBody[ExceptionRef], db: Db, principal: Caller
    ) -> ExceptionView:
        """Take an exception on: the queue shows who and when."""
        view = await acknowledge_exception(db, warehouse, data.id, by=principal.username)
        return msgspec.convert(view, ExceptionView)

    @post("/exceptions/resolutions", operation_id="resolveException", status_code=200)
    async def resolve(
        self, warehouse: FromPath[str], data: JSONBody[ResolveException], db: Db, principal: Caller
    ) -> ExceptionView:
        """Close an exception with what was done about it."""
        view = await resolve_exception(db, warehouse, data.id, by=principal.username, resolution=data.resolution)
        return msgspec.convert(view, ExceptionView)
