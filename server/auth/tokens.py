"""Short-lived JWT access tokens and opaque, rotating refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: decoded from an access token, checked on every route and topic."""

    user_id: int
    username: str
    roles: frozenset[str]
    warehouses: frozenset[str]
    session_id: uuid.UUID
    device_id: uuid.UUID | None = None

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def may_access(self, warehouse: str) -> bool:
        return self.is_admin or warehouse in self.warehouses

    @property
    def key(self) -> str:
        """Scope for idempotency keys: one user's keys never collide with another's."""
        return f"user:{self.user_id}"


def issue_access_token(principal: Principal, *, secret: str, now: datetime, ttl_s: int) -> str:
    claims = {
        "sub": str(principal.user_id),
        "usr": principal.username,
        "roles": sorted(principal.roles),
        "whs": sorted(principal.warehouses),
        "sid": str(principal.session_id),
        "dev": str(principal.device_id) if principal.device_id else None,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_s)).timestamp()),
        "typ": "access",
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_access_token(token: str, *, secret: str) -> Principal | None:
    """The principal, or None for an expired, forged or malformed token."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "sid"]})
        if claims.get("typ") != "access":
            return None
        return Principal(
            user_id=int(claims["sub"]),
            username=str(claims["usr"]),
            roles=frozenset(claims["roles"]),
            warehouses=frozenset(claims["whs"]),
            session_id=uuid.UUID(claims["sid"]),
            device_id=uuid.UUID(claims["dev"]) if claims.get("dev") else None,
        )
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None


def new_refresh_token() -> tuple[uuid.UUID, str, str]:
    """A fresh refresh token: its id, the string handed to the client, and the hash we keep."""
    token_id = uuid.uuid4()
    secret = secrets.token_urlsafe(32)
    return token_id, f"{token_id}.{secret}", hash_refresh_secret(secret)


def split_refresh_token(token: str) -> tuple[uuid.UUID, str] | None:
    token_id, _, secret = token.partition(".")
    try:
        return uuid.UUID(token_id), secret
    except ValueError:
        return None


def hash_refresh_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
