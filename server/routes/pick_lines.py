"""A pick line confirmed in one request: every scan of the line at once, answered with the next task."""

from __future__ import annotations

import msgspec
from litestar import Controller, post
from litestar.params import FromPath, JSONBody

from server.auth.principal import requires
from server.deps import Caller, Db
from server.services.pick_line_models import PickLineOutcome
from server.services.pick_lines import ConfirmLine, confirm_line


class PickLineController(Controller):
    path = "/api/warehouses/{warehouse:str}/tasks"
    tags = ["tasks"]
    guards = [requires("picker", "supervisor")]

    @post("/{task_id:int}/confirm", operation_id="confirmPickLine", status_code=200)
    async def confirm(
        self, warehouse: FromPath[str], task_id: FromPath[int], data: JSONBody[ConfirmLine], db: Db, principal: Caller
    ) -> PickLineOutcome:
        """Confirm a pick line with all its scans (bin, item label, quantity, tote), checked as the guided
        scans are; answers the outcome and the caller's next pick task with its prompt and manifest."""
        return msgspec.convert(await confirm_line(db, principal, warehouse, task_id, data), PickLineOutcome)
