"""The first admin of a new site, from ``FLOORSYNC_BOOTSTRAP_ADMIN``, created once at start.

Every instance runs this as it starts; an advisory lock taken inside the transaction makes the
check-then-create atomic across instances starting at the same moment, and once any admin exists
nothing happens, so the variable can stay set for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import any_, literal, select, text

from server.db import make_engine, make_sessionmaker
from server.models.people import User
from server.routes.people import NewUser, create_user
from server.settings import Settings, SettingsError

# first key of a two-key advisory lock, apart from the relay's (0x0F5E)
BOOTSTRAP_LOCK = (0x0F5F, 1)


@dataclass(frozen=True, slots=True)
class BootstrapAdmin:
    """Who the first admin is; ``repr`` hides the password."""

    username: str
    password: str

    def __repr__(self) -> str:
        return f"BootstrapAdmin(username={self.username!r})"


def bootstrap_admin_from_env(environ: dict[str, str]) -> BootstrapAdmin | None:
    """``FLOORSYNC_BOOTSTRAP_ADMIN`` as ``username:password``, or ``username`` with the password in
    the file ``FLOORSYNC_BOOTSTRAP_ADMIN_PASSWORD_FILE`` (a Docker secret); None when unset."""
    spec = environ.get("FLOORSYNC_BOOTSTRAP_ADMIN", "").strip()
    if not spec:
        return None
    username, colon, password = spec.partition(":")
    password_file = environ.get("FLOORSYNC_BOOTSTRAP_ADMIN_PASSWORD_FILE", "").strip()
    if not colon:
        if not password_file:
            raise SettingsError(
                "FLOORSYNC_BOOTSTRAP_ADMIN is 'username:password', or 'username' with "
                "FLOORSYNC_BOOTSTRAP_ADMIN_PASSWORD_FILE naming a file that holds the password"
            )
        try:
            password = Path(password_file).read_text().strip()
        except OSError as exc:
            raise SettingsError(f"cannot read FLOORSYNC_BOOTSTRAP_ADMIN_PASSWORD_FILE ({exc.strerror})") from None
    if not username.strip():
        raise SettingsError("FLOORSYNC_BOOTSTRAP_ADMIN needs a username before the ':'")
    if len(password) < 8:
        raise SettingsError("the bootstrap admin's password needs at least 8 characters")
    return BootstrapAdmin(username=username.strip(), password=password)


async def ensure_admin(settings: Settings, admin: BootstrapAdmin) -> bool:
    """Create ``admin`` unless some admin exists already; True when it was created here."""
    engine = make_engine(settings.database_url or "", pool_size=1)
    try:
        async with make_sessionmaker(engine)() as db, db.begin():
            await db.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), dict(zip("ab", BOOTSTRAP_LOCK, strict=True)))
            if await db.scalar(select(User.id).where(literal("admin") == any_(User.roles)).limit(1)) is not None:
                return False
            await create_user(
                db,
                NewUser(
                    username=admin.username,
                    display_name=admin.username,
                    roles=["admin"],
                    warehouses=[],
                    password=admin.password,
                ),
            )
            return True
    finally:
        await engine.dispose()
