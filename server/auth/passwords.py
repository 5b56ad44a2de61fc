"""argon2id hashes for passwords and badge PINs."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError, VerifyMismatchError

# OWASP's minimum argon2id profile: strong, yet cheap enough for a busy shift change.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)

# Verified against when an account does not exist, so timing does not reveal which accounts do.
_DUMMY_HASH = _hasher.hash("floorsync-no-such-account")


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    """True when ``secret`` matches; always spends the same work, even without a hash."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, secret) and stored_hash is not None
    except (VerifyMismatchError, VerificationError):
        return False
