"""Login guards that concurrent guesses cannot overtake: attempts are counted before the secret is
checked, each by one atomic statement, and a badge locks after too many wrong PINs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import exception_queue as queue
from domain.exception_queue import ExceptionKind
from server.auth.context import AuthContext
from server.problems import Problem
from server.services.exceptions import raise_exceptions

# One statement per attempt: the row lock of the upsert orders concurrent attempts, so the n-th
# sees n and at most the limit of them ever reach the (costly) hash check.
_RESERVE = text(
    "INSERT INTO login_counters (key, window_start, attempts) VALUES (:account, :now, 1), (:address, :now, 1)"
    " ON CONFLICT (key) DO UPDATE SET"
    " attempts = CASE WHEN login_counters.window_start <= :expired THEN 1 ELSE login_counters.attempts + 1 END,"
    " window_start = CASE WHEN login_counters.window_start <= :expired THEN :now"
    " ELSE login_counters.window_start END"
    " RETURNING key, attempts, window_start"
)
_RELEASE = text("UPDATE login_counters SET attempts = GREATEST(attempts - 1, 0) WHERE key IN (:account, :address)")
# a counter whose window has passed counts as nothing (the next attempt starts it again at 1)
_FORGET = text("DELETE FROM login_counters WHERE window_start <= :expired")


def _keys(account: str, address: str) -> dict[str, str]:
    return {"account": f"account:{account}"[:160], "address": f"address:{address}"[:160]}


async def reserve_attempt(ctx: AuthContext, *, account: str, address: str) -> None:
    """Count this attempt against the account and the address, committed at once; 429 past a limit."""
    now = ctx.now()
    window = timedelta(seconds=ctx.settings.login_window_s)
    keys = _keys(account, address)
    async with ctx.sessionmaker() as db, db.begin():
        rows = (await db.execute(_RESERVE, {**keys, "now": now, "expired": now - window})).all()
    limits = {
        keys["account"]: ctx.settings.login_attempts_per_account,
        keys["address"]: ctx.settings.login_attempts_per_address,
    }
    over = [row for row in rows if row.attempts > limits[row.key]]
    if over:
        retry = max(int((row.window_start + window - now).total_seconds()) + 1 for row in over)
        raise Problem(
            429,
            "auth.throttled",
            "Too many failed logins; wait a few minutes or ask a supervisor to reset your PIN.",
            headers={"Retry-After": str(max(retry, 1))},
        )


async def release_attempt(ctx: AuthContext, *, account: str, address: str) -> None:
    """A login succeeded: it no longer counts as a guess."""
    async with ctx.sessionmaker() as db, db.begin():
        await db.execute(_RELEASE, _keys(account, address))


async def forget_expired_attempts(db: AsyncSession, *, now: datetime, window_s: float) -> int:
    """Drop the counters whose window has passed, so every address ever seen does not stay a row."""
    result = await db.execute(_FORGET, {"expired": now - timedelta(seconds=window_s)})
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True, slots=True)
class PinTry:
    """A counted PIN try: whose badge it is and the hash to check against."""

    user_id: int
    pin_hash: str | None


async def reserve_pin_try(ctx: AuthContext, *, badge: str) -> PinTry | None:
    """Count a PIN try for this badge before checking it (None: no such badge); 423 once the badge
    is locked or this try is past the lockout limit."""
    async with ctx.sessionmaker() as db, db.begin():
        row = (
            await db.execute(
                text(
                    "UPDATE users SET pin_failures = pin_failures + 1 WHERE badge = :badge"
                    " RETURNING id, pin_hash, pin_failures, pin_locked_at"
                ),
                {"badge": badge},
            )
        ).first()
    if row is None:
        return None
    if row.pin_locked_at is not None or row.pin_failures > ctx.settings.pin_lockout_after:
        raise Problem(
            423,
            "auth.badge_locked",
            f"Badge {badge} is locked after too many wrong PINs; ask a supervisor to unlock it.",
            badge=badge,
        )
    return PinTry(row.id, row.pin_hash)


async def pin_succeeded(ctx: AuthContext, *, user_id: int) -> None:
    """A right PIN: the count of wrong ones in a row starts again."""
    async with ctx.sessionmaker() as db, db.begin():
        await db.execute(
            text("UPDATE users SET pin_failures = 0 WHERE id = :id AND pin_locked_at IS NULL"), {"id": user_id}
        )


async def pin_failed(ctx: AuthContext, *, user_id: int, badge: str, address: str) -> None:
    """A wrong PIN: at the limit the badge locks, and its warehouses' supervisors get an alert."""
    now = ctx.now()
    async with ctx.sessionmaker() as db, db.begin():
        locked = (
            await db.execute(
                text(
                    "UPDATE users SET pin_locked_at = :now WHERE id = :id AND pin_locked_at IS NULL"
                    " AND pin_failures >= :limit RETURNING username"
                ),
                {"now": now, "id": user_id, "limit": ctx.settings.pin_lockout_after},
            )
        ).first()
        if locked is None:
            return
        warehouses = list(
            await db.scalars(
                text("SELECT warehouse FROM memberships WHERE user_id = :id ORDER BY warehouse"), {"id": user_id}
            )
        )
        records = [
            badge_locked_alert(badge, warehouse, username=locked.username, address=address, now=now)
            for warehouse in warehouses
        ]
        await raise_exceptions(db, records)


def badge_locked_alert(
    badge: str, warehouse: str, *, username: str, address: str, now: datetime
) -> queue.ExceptionRecord:
    """The exception a badge lockout raises in each of its user's warehouses."""
    return queue.open_exception(
        f"badge:{badge}/locked/{now.isoformat()}/{warehouse}",
        ExceptionKind.BADGE_LOCKED,
        warehouse=warehouse,
        subject=f"badge:{badge}",
        message=f"Badge {badge} ({username}) is locked after too many wrong PINs; check with them and unlock it.",
        raised_by="system",
        now=now,
        details={"badge": badge, "user": username, "address": address},
    )
