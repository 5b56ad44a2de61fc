"""``/api/badges``: a supervisor unlocks a badge locked by wrong PINs, after checking with its holder."""

from __future__ import annotations

import msgspec
from litestar import Controller, post
from litestar.params import FromPath
from sqlalchemy import select

from server.auth.principal import requires
from server.deps import Caller, Db
from server.models import AuditEntry, Membership, User
from server.problems import Problem
from server.services.exceptions import resolve_subject


class BadgeState(msgspec.Struct):
    badge: str
    username: str
    locked: bool
    pin_failures: int


class BadgeController(Controller):
    path = "/api/badges"
    tags = ["people"]

    @post("/{badge:str}/unlock", operation_id="unlockBadge", status_code=200, guards=[requires("supervisor")])
    async def unlock(self, badge: FromPath[str], db: Db, principal: Caller) -> BadgeState:
        """Unlock a badge in one of your warehouses; its lockout alerts are resolved."""
        user = await db.scalar(select(User).where(User.badge == badge).with_for_update())
        if user is None:
            raise Problem(404, "badge.not_found", f"No badge {badge}.")
        warehouses = set(await db.scalars(select(Membership.warehouse).where(Membership.user_id == user.id)))
        if not principal.is_admin and not warehouses & principal.warehouses:
            raise Problem(403, "auth.wrong_warehouse", f"Badge {badge} belongs to no warehouse of yours.")
        was_locked = user.pin_locked_at is not None
        user.pin_locked_at = None
        user.pin_failures = 0
        for warehouse in sorted(warehouses):
            await resolve_subject(db, warehouse, f"badge:{badge}", by=principal.username, resolution="badge unlocked")
        db.add(
            AuditEntry(
                user_id=principal.user_id,
                device_id=principal.device_id,
                action="badge.unlocked",
                entity=f"user:{user.id}",
                detail={"badge": badge, "was_locked": was_locked},
            )
        )
        return BadgeState(badge=badge, username=user.username, locked=False, pin_failures=0)
