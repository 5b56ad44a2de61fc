"""``/api/auth``: password and badge login, refresh, logout, and who am I."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import JSONBody

from server.auth import service
from server.auth.principal import AUTHENTICATED
from server.auth.service import Issued
from server.deps import Auth, Caller, Db
from server.models import User


class PasswordLogin(msgspec.Struct, forbid_unknown_fields=True):
    username: str
    password: str
    device_id: uuid.UUID | None = None


class BadgeLogin(msgspec.Struct, forbid_unknown_fields=True):
    badge: str
    pin: str
    device_id: uuid.UUID | None = None


class BindDevice(msgspec.Struct, forbid_unknown_fields=True):
    device_id: uuid.UUID


class RefreshRequest(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: str


class UserView(msgspec.Struct):
    id: int
    username: str
    display_name: str
    roles: list[str]
    warehouses: list[str]
    device_id: uuid.UUID | None


class TokenResponse(msgspec.Struct):
    access_token: str
    refresh_token: str
    expires_in: int
    user: UserView
    token_type: str = "Bearer"


def token_response(issued: Issued) -> TokenResponse:
    p = issued.principal
    return TokenResponse(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=issued.expires_in,
        user=UserView(
            id=p.user_id,
            username=p.username,
            display_name=issued.display_name,
            roles=sorted(p.roles),
            warehouses=sorted(p.warehouses),
            device_id=p.device_id,
        ),
    )


def _address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/login", operation_id="login", status_code=200)
    async def login(
        self, request: Request[Any, Any, Any], data: JSONBody[PasswordLogin], db: Db, auth: Auth
    ) -> TokenResponse:
        """Log in with username and password."""
        issued = await service.login_with_password(
            auth, db, data.username, data.password, address=_address(request), device_id=data.device_id
        )
        return token_response(issued)

    @post("/badge", operation_id="badgeLogin", status_code=200)
    async def badge(
        self, request: Request[Any, Any, Any], data: JSONBody[BadgeLogin], db: Db, auth: Auth
    ) -> TokenResponse:
        """Log in on a handheld with a badge scan and PIN."""
        issued = await service.login_with_badge(
            auth, db, data.badge, data.pin, address=_address(request), device_id=data.device_id
        )
        return token_response(issued)

    @post("/refresh", operation_id="refreshToken", status_code=200)
    async def refresh(self, data: JSONBody[RefreshRequest], db: Db, auth: Auth) -> TokenResponse:
        """Swap a refresh token for a new pair; the old one stops working."""
        return token_response(await service.refresh(auth, db, data.refresh_token))

    @post("/device", operation_id="bindDevice", status_code=200, guards=[AUTHENTICATED])
    async def bind(self, data: JSONBody[BindDevice], db: Db, auth: Auth, principal: Caller) -> TokenResponse:
        """Bind this login to a device you enrolled (or a shared one): tokens that name it.

        A replayed ``registerDevice`` answers the device without tokens (tokens are never stored);
        this call gets them.
        """
        return token_response(await service.bind_device(auth, db, principal, data.device_id))

    @post("/logout", operation_id="logout", status_code=204, guards=[AUTHENTICATED])
    async def logout(self, principal: Caller, auth: Auth) -> None:
        """End this login: its refresh token and access tokens stop working."""
        await service.revoke_sessions(auth, [principal.session_id], reason="logout")

    @get("/me", operation_id="whoAmI", guards=[AUTHENTICATED])
    async def me(self, principal: Caller, db: Db) -> UserView:
        """The logged-in user."""
        user = await db.get(User, principal.user_id)
        return UserView(
            id=principal.user_id,
            username=principal.username,
            display_name=user.display_name if user else principal.username,
            roles=sorted(principal.roles),
            warehouses=sorted(principal.warehouses),
            device_id=principal.device_id,
        )
