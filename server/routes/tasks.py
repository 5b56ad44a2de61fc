"""Floor tasks: next task for a worker, the guided scans of a task, and wave release."""

from __future__ import annotations

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from domain.guided import FLOOR_ROLES, require_worker
from domain.tasks import TaskKind
from server.auth.principal import requires
from server.deps import Caller, Db
from server.mutations import register
from server.services import guided, tasks
from server.services.floor_mutations import ConfirmPick, confirm_pick
from server.services.guided import prompt_of
from server.services.task_claims import claim_next
from server.services.task_manifest import handheld_views
from server.services.task_models import ScanOutcome, TaskClaim, TaskPrompt, WaveView
from server.services.task_scan import TaskScan
from server.services.waves import ReleaseWave, release_wave

FLOOR = requires(*sorted(FLOOR_ROLES))  # each task kind narrows it (domain/guided/roles)


class NextTask(msgspec.Struct, forbid_unknown_fields=True):
    """Which work the worker does now (kinds) and where (zones; all zones when omitted)."""

    kinds: list[str] = msgspec.field(default_factory=lambda: ["pick"])
    zones: list[str] | None = None
    wave: str | None = None


class TaskController(Controller):
    path = "/api/warehouses/{warehouse:str}/tasks"
    tags = ["tasks"]
    guards = [FLOOR]

    @post("/next", operation_id="claimNextTask", status_code=200)
    async def next_task(
        self, warehouse: FromPath[str], data: JSONBody[NextTask], db: Db, principal: Caller
    ) -> TaskClaim:
        """Claim the caller's next task (with its cluster trip); answers the first expected scan."""
        for kind in TaskKind:
            if kind in data.kinds:  # only kinds the caller may work (unknown ones match no task)
                require_worker(kind, principal.roles)
        trip = await claim_next(
            db, principal.username, warehouse, kinds=data.kinds, zones=data.zones, wave=data.wave
        )
        if not trip:
            return TaskClaim(task=None, prompt=None, trip=[])
        views = await handheld_views(db, trip)  # each with the GTINs it accepts, for offline checks
        return msgspec.convert({"task": views[0], "prompt": prompt_of(trip[0]), "trip": views}, TaskClaim)

    @get("/{task_id:int}", operation_id="getTask")
    async def view(self, warehouse: FromPath[str], task_id: FromPath[int], db: Db) -> TaskPrompt:
        """A task and the scan it waits for."""
        found = await tasks.load_one(db, warehouse, task_id)
        view = (await handheld_views(db, [found]))[0]
        return msgspec.convert({"task": view, "prompt": prompt_of(found)}, TaskPrompt)

    @post("/{task_id:int}/scans", operation_id="scanTask", status_code=200)
    async def scan(
        self, warehouse: FromPath[str], task_id: FromPath[int], data: JSONBody[TaskScan], db: Db, principal: Caller
    ) -> ScanOutcome:
        """One guided scan on a task the caller holds; answers the next expected scan (or the outcome)."""
        record = await tasks.load_locked(db, warehouse, task_id)
        return msgspec.convert(await guided.scan(db, principal, record, data), ScanOutcome)


class WaveController(Controller):
    path = "/api/warehouses/{warehouse:str}/waves"
    tags = ["tasks"]

    @post("/", operation_id="releaseWave", guards=[requires("supervisor")])
    async def release(
        self, warehouse: FromPath[str], data: JSONBody[ReleaseWave], db: Db, principal: Caller
    ) -> WaveView:
        """Release allocated orders (filtered) as a wave of clustered, path-sequenced pick tasks."""
        return msgspec.convert(await release_wave(db, principal, warehouse, data), WaveView)


register("pick.confirm", ConfirmPick, confirm_pick)
