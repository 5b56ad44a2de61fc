"""Stream positions from PostgreSQL: what a snapshot read returns as ``as_of``."""

from __future__ import annotations

import secrets

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

_SELECT = text("SELECT epoch, last_seq FROM stream_state WHERE warehouse = :w")
_CREATE = text(
    "INSERT INTO stream_state (warehouse, epoch, last_seq) "
    "SELECT code, :epoch, 0 FROM warehouses WHERE code = :w ON CONFLICT (warehouse) DO NOTHING"
)


def new_epoch() -> str:
    """A fresh epoch name; never reused, so a client holding an old one is told to reset."""
    return secrets.token_hex(8)


async def ensure_stream_row(conn: AsyncConnection, warehouse: str) -> None:
    """Create the warehouse's stream_state row (random epoch, seq 0) unless it exists."""
    await conn.execute(_CREATE, {"w": warehouse, "epoch": new_epoch()})


async def stream_position(db: AsyncSession, warehouse: str) -> dict[str, str | int]:
    """``{"epoch", "seq"}`` of the warehouse's stream as PostgreSQL knows it now.

    Call it *before* the snapshot query and return it as ``as_of``: subscribing from it misses
    nothing. A warehouse that never published gets its row created here (in a short transaction of
    its own, the same row the relay then uses), so its epoch is well-defined from the first read.
    """
    row = (await db.execute(_SELECT, {"w": warehouse})).first()
    if row is None:
        engine = db.bind
        if isinstance(engine, AsyncEngine):
            async with engine.begin() as conn:
                await ensure_stream_row(conn, warehouse)
            row = (await db.execute(_SELECT, {"w": warehouse})).first()
    if row is None:
        # no such warehouse: a position nobody can be at, so a subscribe from it resets
        return {"epoch": "", "seq": 0}
    return {"epoch": str(row.epoch), "seq": int(row.last_seq)}
