"""Who may work which kind of task: one table, checked alike online (a scan) and offline (a replayed intent)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from domain.errors import Forbidden
from domain.tasks import TaskKind

ADMIN = "admin"  # may do anything
WORKERS: Mapping[TaskKind, frozenset[str]] = {
    TaskKind.PICK: frozenset({"picker", "supervisor"}),
    TaskKind.PUTAWAY: frozenset({"receiver", "supervisor"}),
    TaskKind.REPLENISH: frozenset({"picker", "receiver", "supervisor"}),
    TaskKind.COUNT: frozenset({"picker", "receiver", "supervisor"}),
    TaskKind.MOVE: frozenset({"picker", "receiver", "supervisor"}),
}

FLOOR_ROLES: frozenset[str] = frozenset().union(*WORKERS.values())  # who works any kind at all


def may_work(kind: TaskKind, roles: Iterable[str]) -> bool:
    """True when one of ``roles`` works tasks of ``kind``."""
    held = set(roles)
    return ADMIN in held or bool(held & WORKERS[kind])


def require_worker(kind: TaskKind, roles: Iterable[str]) -> None:
    """Refuse a caller whose roles do not work tasks of ``kind``."""
    if not may_work(kind, roles):
        allowed = sorted(WORKERS[kind] | {ADMIN})
        raise Forbidden("auth.forbidden", f"{kind} tasks need one of: {', '.join(allowed)}", required_roles=allowed)
