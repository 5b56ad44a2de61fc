"""Stream positions that snapshot reads return as ``as_of``, read before the snapshot query."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def stream_position(db: AsyncSession, warehouse: str) -> dict[str, Any]:
    """``{"epoch", "seq"}`` of the warehouse's stream as PostgreSQL knows it (the relay stamps seq there).

    Subscribing from this position misses nothing the snapshot lacks; events the snapshot already
    reflects arrive again with versions the client already holds and are dropped by it.
    """
    row = (
        await db.execute(text("SELECT epoch, last_seq FROM stream_state WHERE warehouse = :wh"), {"wh": warehouse})
    ).first()
    if row is None:
        return {"epoch": None, "seq": 0}
    return {"epoch": row.epoch, "seq": int(row.last_seq)}
