"""Users and devices: admins create and disable them; any user registers the device in hand."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth import service
from server.auth.passwords import HashPool
from server.auth.principal import AUTHENTICATED, ROLES, requires
from server.auth.routes import TokenResponse, token_response
from server.auth.tokens import Principal
from server.deps import Auth, Caller, Db
from server.models import AuditEntry, Device, Membership, User, Warehouse
from server.problems import Problem
from server.transactions import STORED_BODY

ADMIN = requires("admin")


class NewUser(msgspec.Struct, forbid_unknown_fields=True):
    username: str
    display_name: str
    roles: list[str]
    warehouses: list[str]
    password: str | None = None
    badge: str | None = None
    pin: str | None = None


class UserSummary(msgspec.Struct):
    id: int
    username: str
    display_name: str
    roles: list[str]
    warehouses: list[str]
    disabled: bool
    badge: str | None


class NewDevice(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    platform: str = ""
    shared: bool = False  # a pool handheld: supervisors enrol these; every user gets a queue of their own


class DeviceView(msgspec.Struct):
    id: uuid.UUID
    name: str
    platform: str
    disabled: bool
    last_mutation_id: int
    created_at: datetime
    shared: bool = False


class DeviceRegistered(msgspec.Struct):
    device: DeviceView
    # None in a replay: tokens are never kept in the idempotency store; POST /api/auth/device gets them
    tokens: TokenResponse | None


def _device_view(device: Device) -> DeviceView:
    return DeviceView(
        id=device.id,
        name=device.name,
        platform=device.platform,
        disabled=device.disabled,
        last_mutation_id=device.last_mutation_id,
        created_at=device.created_at,
        shared=device.shared,
    )


async def create_user(db: AsyncSession, data: NewUser, *, hashing: HashPool | None = None) -> User:
    """Validate and insert a user with memberships (shared by the API, the CLI and the seed); the
    hashes are computed off the event loop, through the app's pool when one is given."""
    hashing = hashing or HashPool(1)
    bad_roles = sorted(set(data.roles) - set(ROLES))
    if not data.roles or bad_roles:
        raise Problem(422, "user.invalid_roles", f"Roles must be some of {', '.join(ROLES)}.", invalid=bad_roles)
    if not data.username.strip() or len(data.username) > 64:
        raise Problem(422, "user.invalid_username", "A username is 1 to 64 characters.")
    if data.password is None and data.badge is None:
        raise Problem(422, "user.no_credentials", "Give a password, or a badge with a PIN.")
    if data.badge is not None and not (data.pin and data.pin.isdigit() and len(data.pin) >= 4):
        raise Problem(422, "user.invalid_pin", "A badge needs a PIN of at least 4 digits.")
    if data.password is not None and len(data.password) < 8:
        raise Problem(422, "user.weak_password", "A password has at least 8 characters.")
    known = set(await db.scalars(select(Warehouse.code).where(Warehouse.code.in_(data.warehouses))))
    if missing := sorted(set(data.warehouses) - known):
        raise Problem(422, "warehouse.unknown", f"No warehouse {', '.join(missing)}.", unknown=missing)
    if await db.scalar(select(User.id).where(User.username == data.username)) is not None:
        raise Problem(409, "user.exists", f"The username {data.username} is taken.")
    user = User(
        username=data.username,
        display_name=data.display_name,
        password_hash=await hashing.hash(data.password) if data.password else None,
        badge=data.badge,
        pin_hash=await hashing.hash(data.pin) if data.pin else None,
        roles=sorted(set(data.roles)),
    )
    db.add(user)
    try:
        await db.flush()
    except IntegrityError:
        raise Problem(409, "user.badge_taken", "That badge already belongs to someone else.") from None
    db.add_all(Membership(user_id=user.id, warehouse=w) for w in sorted(set(data.warehouses)))
    return user


def _audit(
    db: AsyncSession,
    principal: Principal,
    action: str,
    entity: str,
    detail: dict[str, Any],
    *,
    device_id: uuid.UUID | None = None,
) -> None:
    """Record who did what, from which device (the caller's own unless named)."""
    db.add(
        AuditEntry(
            user_id=principal.user_id,
            device_id=device_id or principal.device_id,
            action=action,
            entity=entity,
            detail=detail,
        )
    )


async def _summary(db: Db, user: User) -> UserSummary:
    warehouses = await db.scalars(select(Membership.warehouse).where(Membership.user_id == user.id))
    return UserSummary(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=list(user.roles),
        warehouses=sorted(warehouses),
        disabled=user.disabled,
        badge=user.badge,
    )


class UserController(Controller):
    path = "/api/admin/users"
    tags = ["admin"]
    guards = [ADMIN]

    @get("/", operation_id="listUsers")
    async def list_users(self, db: Db) -> list[UserSummary]:
        """Every user."""
        users = await db.scalars(select(User).order_by(User.username))
        return [await _summary(db, u) for u in users]

    @post("/", operation_id="createUser")
    async def create(self, data: JSONBody[NewUser], db: Db, auth: Auth, principal: Caller) -> UserSummary:
        """Create a user with roles, warehouses and credentials."""
        user = await create_user(db, data, hashing=auth.hashing)
        _audit(db, principal, "user.created", f"user:{user.id}", {"username": user.username, "roles": user.roles})
        return await _summary(db, user)

    @post("/{user_id:int}/disable", operation_id="disableUser", status_code=200)
    async def disable(self, user_id: FromPath[int], db: Db, auth: Auth, principal: Caller) -> UserSummary:
        """Disable a user; every login they hold ends."""
        user = await db.get(User, user_id, with_for_update=True)
        if user is None:
            raise Problem(404, "user.not_found", f"No user {user_id}.")
        user.disabled = True
        revoked = await service.revoke_where(auth, db, reason="user_disabled", user_id=user.id)
        _audit(db, principal, "user.disabled", f"user:{user.id}", {"sessions_revoked": revoked})
        return await _summary(db, user)

    @post("/{user_id:int}/enable", operation_id="enableUser", status_code=200)
    async def enable(self, user_id: FromPath[int], db: Db, principal: Caller) -> UserSummary:
        """Let a disabled user log in again."""
        user = await db.get(User, user_id, with_for_update=True)
        if user is None:
            raise Problem(404, "user.not_found", f"No user {user_id}.")
        user.disabled = False
        _audit(db, principal, "user.enabled", f"user:{user.id}", {})
        return await _summary(db, user)


class DeviceController(Controller):
    path = "/api/devices"
    tags = ["devices"]

    @post("/", operation_id="registerDevice", guards=[AUTHENTICATED])
    async def register(
        self, request: Request[Any, Any, Any], data: JSONBody[NewDevice], db: Db, auth: Auth, principal: Caller
    ) -> DeviceRegistered:
        """Enrol the device in hand to yourself (or, as a supervisor, as a shared device); the answer
        carries tokens bound to it. A replay with the same Idempotency-Key answers the device without
        tokens: get them with ``POST /api/auth/device``."""
        if not data.name.strip() or len(data.name) > 128:
            raise Problem(422, "device.invalid_name", "A device name is 1 to 128 characters.")
        if data.shared and not principal.roles & {"supervisor", "admin"}:
            raise Problem(403, "device.shared_needs_supervisor", "Only a supervisor enrols a shared device.")
        device = Device(
            id=uuid.uuid4(),
            user_id=principal.user_id,
            name=data.name,
            platform=data.platform[:64],
            shared=data.shared,
        )
        db.add(device)
        await db.flush()
        await db.refresh(device)
        detail = {"name": device.name, "shared": device.shared}
        _audit(db, principal, "device.registered", f"device:{device.id}", detail, device_id=device.id)
        issued = await service.bind_device(auth, db, principal, device.id)
        request.scope["state"][STORED_BODY] = msgspec.json.encode(DeviceRegistered(_device_view(device), None))
        return DeviceRegistered(device=_device_view(device), tokens=token_response(issued))

    @post("/{device_id:uuid}/disable", operation_id="disableDevice", status_code=200, guards=[ADMIN])
    async def disable(
        self,
        device_id: FromPath[uuid.UUID],
        db: Db,
        auth: Auth,
        principal: Caller,
    ) -> DeviceView:
        """Disable a lost or retired device; every login on it ends."""
        device = await db.get(Device, device_id, with_for_update=True)
        if device is None:
            raise Problem(404, "device.not_found", f"No device {device_id}.")
        device.disabled = True
        revoked = await service.revoke_where(auth, db, reason="device_disabled", device_id=device.id)
        _audit(db, principal, "device.disabled", f"device:{device.id}", {"sessions_revoked": revoked})
        return _device_view(device)
