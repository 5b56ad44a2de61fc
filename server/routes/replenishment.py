"""Replenishment of pick faces: their min/max, a supervisor's planning run, and the faces' state."""

from __future__ import annotations

import msgspec
from litestar import Controller, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody

from server.auth.principal import requires
from server.deps import Db
from server.services import replenishment
from server.services.replenishment import PickFaceLimits, PlanReplenishment
from server.services.replenishment_models import PickFaceView, PlannedTasks


class ReplenishmentController(Controller):
    path = "/api/warehouses/{warehouse:str}"
    tags = ["replenishment"]
    guards = [requires("supervisor")]

    @post("/replenishment", operation_id="planReplenishment")
    async def plan(self, warehouse: FromPath[str], data: JSONBody[PlanReplenishment], db: Db) -> PlannedTasks:
        """Create replenish tasks for pick faces below min (all, or the listed ones); stock on its way counts."""
        return msgspec.convert(await replenishment.plan_command(db, warehouse, data), PlannedTasks)

    @get("/pick-faces", operation_id="listPickFaces")
    async def faces(self, warehouse: FromPath[str], db: Db, below_min: FromQuery[bool] = False) -> list[PickFaceView]:
        """Pick faces with their min/max, stock on hand, stock on its way and pending pick demand."""
        return msgspec.convert(await replenishment.list_faces(db, warehouse, below_min=below_min), list[PickFaceView])

    @put("/pick-faces/{location:str}", operation_id="setPickFace")
    async def set_face(
        self, warehouse: FromPath[str], location: FromPath[str], data: JSONBody[PickFaceLimits], db: Db
    ) -> PickFaceView:
        """Assign a pick face its item and the min/max it is replenished between."""
        return msgspec.convert(await replenishment.set_pick_face(db, warehouse, code=location, cmd=data), PickFaceView)
