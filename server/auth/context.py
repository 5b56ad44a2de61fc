"""What the auth service and its login guards need from the app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.auth.passwords import HashPool
from server.settings import Settings


@dataclass(frozen=True, slots=True)
class AuthContext:
    """What the auth service needs from the app: settings, a clock, and a way to commit apart."""

    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    hashing: HashPool

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)
