"""Users with roles and warehouses, and badges with PINs: applied one user at a time, because a
password or PIN is compared with its argon2 hash (off the event loop) to tell whether it changed."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg

from domain.imports import RowError
from server.auth.passwords import hash_secret, verify_secret
from server.imports.staging import CHANGES, STAGE, Context, row_errors


async def check_users(conn: asyncpg.Connection, ctx: Context) -> list[RowError]:
    """Warehouses exist."""
    return await row_errors(
        conn,
        f"SELECT s.row_no, w FROM {STAGE} s, unnest(s.warehouses) w WHERE NOT EXISTS"
        " (SELECT 1 FROM warehouses x WHERE x.code = w)",
        field="warehouses",
        code="import.warehouse_unknown",
        message="no warehouse {value}",
    )


async def _history(conn: asyncpg.Connection, ctx: Context, key: str, action: str, changes: dict[str, Any]) -> None:
    await conn.execute(
        "INSERT INTO master_data_history (entity, entity_key, action, changes, changed_by, source)"
        " VALUES ('user', $1, $2, $3::jsonb, $4, $5)",
        key,
        action,
        json.dumps(changes),
        ctx.user,
        ctx.source,
    )
    await conn.execute(f"INSERT INTO {CHANGES} VALUES ($1, $2)", key, action)


async def _password_changes(stored: str | None, given: str | None) -> str | None:
    """The new hash when ``given`` differs from what ``stored`` hashes, else None."""
    if given is None or (stored is not None and await asyncio.to_thread(verify_secret, stored, given)):
        return None
    return await asyncio.to_thread(hash_secret, given)


async def apply_users(conn: asyncpg.Connection, ctx: Context) -> None:
    """Create or update each user; memberships replaced where they differ."""
    rows = await conn.fetch(
        f"SELECT s.*, u.id, u.display_name AS old_name, u.roles AS old_roles, u.disabled AS old_disabled,"
        " u.password_hash, (SELECT array_agg(m.warehouse::text ORDER BY m.warehouse) FROM memberships m"
        f" WHERE m.user_id = u.id) AS old_warehouses FROM {STAGE} s LEFT JOIN users u ON u.username = s.username"
        " ORDER BY s.row_no"
    )
    for row in rows:
        new_hash = await _password_changes(row["password_hash"], row["password"])
        after = {"display_name": row["display_name"], "roles": list(row["roles"]), "disabled": row["disabled"]}
        warehouses = list(row["warehouses"])
        if row["id"] is None:
            user_id = await conn.fetchval(
                "INSERT INTO users (username, display_name, password_hash, roles, disabled) VALUES ($1, $2, $3, $4, $5)"
                " RETURNING id",
                row["username"],
                row["display_name"],
                new_hash,
                after["roles"],
                row["disabled"],
            )
            changes = {k: [None, v] for k, v in after.items()} | {"warehouses": [None, warehouses]}
            await _history(conn, ctx, row["username"], "created", changes | ({"password": "set"} if new_hash else {}))
        else:
            user_id = row["id"]
            before = {"display_name": row["old_name"], "roles": list(row["old_roles"]), "disabled": row["old_disabled"]}
            before_wh = list(row["old_warehouses"] or [])
            changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
            if before_wh != warehouses:
                changes["warehouses"] = [before_wh, warehouses]
            if new_hash:
                changes["password"] = "changed"
            if not changes:
                continue
            await conn.execute(
                "UPDATE users SET display_name = $2, roles = $3, disabled = $4, password_hash ="
                " coalesce($5, password_hash)"
                " WHERE id = $1",
                user_id,
                row["display_name"],
                after["roles"],
                row["disabled"],
                new_hash,
            )
            await conn.execute("DELETE FROM memberships WHERE user_id = $1", user_id)
            await _history(conn, ctx, row["username"], "updated", changes)
        await conn.execute(
            "INSERT INTO memberships (user_id, warehouse) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
            user_id,
            warehouses,
        )


async def check_badges(conn: asyncpg.Connection, ctx: Context) -> list[RowError]:
    """The user exists; a badge belongs to one person."""
    errors = await row_errors(
        conn,
        f"SELECT s.row_no, s.username FROM {STAGE} s WHERE NOT EXISTS (SELECT 1 FROM users u WHERE"
        " u.username = s.username)",
        field="username",
        code="import.user_unknown",
        message="no user {value}",
    )
    errors += await row_errors(
        conn,
        f"SELECT row_no, badge FROM (SELECT row_no, badge, row_number() OVER (PARTITION BY badge ORDER BY row_no) AS n"
        f" FROM {STAGE}) d WHERE n > 1",
        field="badge",
        code="import.badge_duplicate",
        message="badge {value} is given to someone earlier in the file",
    )
    errors += await row_errors(
        conn,
        f"SELECT s.row_no, u.username FROM {STAGE} s JOIN users u ON u.badge = s.badge AND u.username <> s.username"
        f" WHERE NOT EXISTS (SELECT 1 FROM {STAGE} o WHERE o.username = u.username)",
        field="badge",
        code="import.badge_taken",
        message="this badge belongs to {value}",
    )
    return errors


async def apply_badges(conn: asyncpg.Connection, ctx: Context) -> None:
    """Give each user the badge and PIN (the PIN is stored as an argon2 hash)."""
    rows = await conn.fetch(
        f"SELECT s.username, s.badge, s.pin, u.badge AS old_badge, u.pin_hash FROM {STAGE} s"
        " JOIN users u ON u.username = s.username ORDER BY s.row_no"
    )
    updates: list[tuple[str, str, str | None]] = []
    for row in rows:
        new_pin = await _password_changes(row["pin_hash"], row["pin"])
        if row["badge"] == row["old_badge"] and new_pin is None:
            continue
        changes: dict[str, Any] = {"pin": "changed"} if new_pin else {}
        if row["badge"] != row["old_badge"]:
            changes["badge"] = [row["old_badge"], row["badge"]]
        await _history(conn, ctx, row["username"], "updated", changes)
        updates.append((row["username"], row["badge"], new_pin))
    # badges may move between people of the same file: clear them first so none collides on the way
    await conn.execute("UPDATE users SET badge = NULL WHERE username = ANY($1::text[])", [u for u, _, _ in updates])
    for username, badge, pin_hash in updates:
        await conn.execute(
            "UPDATE users SET badge = $2, pin_hash = coalesce($3, pin_hash) WHERE username = $1",
            username,
            badge,
            pin_hash,
        )
