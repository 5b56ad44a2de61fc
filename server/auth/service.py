"""Logins, refresh rotation with reuse detection, revocation, and login throttling."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.context import AuthContext
from server.auth.throttle import pin_failed, pin_succeeded, release_attempt, reserve_attempt, reserve_pin_try
from server.auth.tokens import (
    Principal,
    hash_refresh_secret,
    issue_access_token,
    new_refresh_token,
    split_refresh_token,
)
from server.models import AuthSession, Device, LoginFailure, Membership, RefreshToken, User
from server.problems import Problem


@dataclass(frozen=True, slots=True)
class Issued:
    access_token: str
    refresh_token: str
    expires_in: int
    principal: Principal
    display_name: str


async def _warehouses(db: AsyncSession, user_id: int) -> frozenset[str]:
    rows = await db.scalars(select(Membership.warehouse).where(Membership.user_id == user_id))
    return frozenset(rows)


async def _record_failure(ctx: AuthContext, *, account: str, address: str) -> None:
    # Committed on its own: the request's transaction rolls back with the 401 it answers.
    async with ctx.sessionmaker() as db, db.begin():
        db.add(LoginFailure(account=account, address=address))


async def _device(db: AsyncSession, device_id: uuid.UUID | None, *, user_id: int) -> uuid.UUID | None:
    if device_id is None:
        return None
    device = await db.get(Device, device_id)
    if device is None or device.disabled:
        raise Problem(403, "auth.device_disabled", "This device is not registered or has been disabled.")
    if device.user_id != user_id and not device.shared:
        # its queue and its stored results are its owner's: a login may not take them over
        raise Problem(
            403,
            "auth.device_not_yours",
            "This device is enrolled to someone else; log in without it and enrol your own, or ask a"
            " supervisor to enrol it as a shared device.",
        )
    return device.id


async def _start_session(
    ctx: AuthContext, db: AsyncSession, user: User, *, method: str, address: str, device_id: uuid.UUID | None
) -> Issued:
    session = AuthSession(id=uuid.uuid4(), user_id=user.id, device_id=device_id, method=method, client_address=address)
    db.add(session)
    await db.flush()
    return await _issue(ctx, db, user, session)


async def _issue(ctx: AuthContext, db: AsyncSession, user: User, session: AuthSession) -> Issued:
    now = ctx.now()
    token_id, token, token_hash = new_refresh_token()
    db.add(
        RefreshToken(
            id=token_id,
            session_id=session.id,
            token_hash=token_hash,
            expires_at=now + timedelta(seconds=ctx.settings.refresh_token_ttl_s),
        )
    )
    principal = Principal(
        user_id=user.id,
        username=user.username,
        roles=frozenset(user.roles),
        warehouses=await _warehouses(db, user.id),
        session_id=session.id,
        device_id=session.device_id,
    )
    access = issue_access_token(
        principal, secret=ctx.settings.secret_key, now=now, ttl_s=ctx.settings.access_token_ttl_s
    )
    return Issued(access, token, ctx.settings.access_token_ttl_s, principal, user.display_name)


async def login_with_password(
    ctx: AuthContext,
    db: AsyncSession,
    username: str,
    password: str,
    *,
    address: str,
    device_id: uuid.UUID | None,
) -> Issued:
    """Password login; throttled per account and per client address, counted before the check."""
    account = username.strip().lower()
    await reserve_attempt(ctx, account=account, address=address)
    # read apart from the request's session: no pooled connection is held while the hash waits its turn
    async with ctx.sessionmaker() as lookup:
        found = (
            await lookup.execute(select(User.id, User.password_hash).where(func.lower(User.username) == account))
        ).first()
    if not await ctx.hashing.verify(found.password_hash if found else None, password) or found is None:
        await _record_failure(ctx, account=account, address=address)
        raise Problem(401, "auth.invalid_credentials", "Wrong username or password.")
    await release_attempt(ctx, account=account, address=address)
    return await _login(ctx, db, found.id, method="password", address=address, device_id=device_id)


async def login_with_badge(
    ctx: AuthContext, db: AsyncSession, badge: str, pin: str, *, address: str, device_id: uuid.UUID | None
) -> Issued:
    """Badge + PIN login for handhelds; throttled like passwords, and a badge locks after
    ``pin_lockout_after`` wrong PINs in a row until a supervisor unlocks it."""
    badge = badge.strip()
    account = f"badge:{badge}"
    await reserve_attempt(ctx, account=account, address=address)
    found = await reserve_pin_try(ctx, badge=badge)
    if not await ctx.hashing.verify(found.pin_hash if found else None, pin) or found is None:
        await _record_failure(ctx, account=account, address=address)
        if found is not None:
            await pin_failed(ctx, user_id=found.user_id, badge=badge, address=address)
        raise Problem(401, "auth.invalid_credentials", "Wrong badge or PIN.")
    await release_attempt(ctx, account=account, address=address)
    await pin_succeeded(ctx, user_id=found.user_id)
    return await _login(ctx, db, found.user_id, method="badge", address=address, device_id=device_id)


async def _login(
    ctx: AuthContext, db: AsyncSession, user_id: int, *, method: str, address: str, device_id: uuid.UUID | None
) -> Issued:
    user = await db.get(User, user_id)
    if user is None or user.disabled:
        raise Problem(403, "auth.user_disabled", "This account is disabled; ask an administrator.")
    device = await _device(db, device_id, user_id=user.id)
    return await _start_session(ctx, db, user, method=method, address=address, device_id=device)


async def refresh(ctx: AuthContext, db: AsyncSession, token: str) -> Issued:
    """Rotate a refresh token. Presenting one that was already used revokes the whole login."""
    parts = split_refresh_token(token)
    if parts is None:
        raise Problem(401, "auth.refresh_invalid", "This refresh token is not valid; log in again.")
    token_id, secret = parts
    stored = await db.get(RefreshToken, token_id, with_for_update=True)
    if stored is None or not secrets.compare_digest(stored.token_hash, hash_refresh_secret(secret)):
        raise Problem(401, "auth.refresh_invalid", "This refresh token is not valid; log in again.")
    session = await db.get(AuthSession, stored.session_id, with_for_update=True)
    assert session is not None
    if session.revoked_at is not None:
        raise Problem(401, "auth.session_revoked", "This login has ended; log in again.")
    if stored.used_at is not None:
        # A used token came back: someone holds a copy. End the login for everyone holding it,
        # committed apart (this request answers 401), after releasing this transaction's row locks.
        session_id = session.id
        await db.rollback()
        await revoke_sessions(ctx, [session_id], reason="refresh_reuse")
        raise Problem(401, "auth.refresh_reused", "This refresh token was already used; log in again.")
    if stored.expires_at <= ctx.now():
        raise Problem(401, "auth.refresh_expired", "Your login has expired; log in again.")
    user = await db.get(User, session.user_id)
    assert user is not None
    if user.disabled:
        raise Problem(403, "auth.user_disabled", "This account is disabled; ask an administrator.")
    stored.used_at = ctx.now()
    return await _issue(ctx, db, user, session)


async def bind_device(ctx: AuthContext, db: AsyncSession, principal: Principal, device_id: uuid.UUID) -> Issued:
    """Attach the caller's login to a device they own (or a shared one), with tokens that name it."""
    session = await db.get(AuthSession, principal.session_id, with_for_update=True)
    user = await db.get(User, principal.user_id)
    assert session is not None and user is not None
    session.device_id = await _device(db, device_id, user_id=user.id)
    return await _issue(ctx, db, user, session)


async def revoke_sessions(ctx: AuthContext, session_ids: list[uuid.UUID], *, reason: str) -> None:
    """Revoke logins in a transaction of their own, so revocation sticks whatever the request answers."""
    if not session_ids:
        return
    async with ctx.sessionmaker() as db, db.begin():
        await db.execute(
            update(AuthSession)
            .where(AuthSession.id.in_(session_ids), AuthSession.revoked_at.is_(None))
            .values(revoked_at=ctx.now(), revoked_reason=reason)
        )


async def revoke_where(
    ctx: AuthContext,
    db: AsyncSession,
    *,
    reason: str,
    user_id: int | None = None,
    device_id: uuid.UUID | None = None,
) -> int:
    """Revoke every active login of a user or a device within the caller's transaction."""
    condition = AuthSession.user_id == user_id if user_id is not None else AuthSession.device_id == device_id
    result = await db.execute(
        update(AuthSession)
        .where(condition, AuthSession.revoked_at.is_(None))
        .values(revoked_at=ctx.now(), revoked_reason=reason)
        .returning(AuthSession.id)
    )
    return len(result.all())
