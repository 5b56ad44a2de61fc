"""argon2id hashes for passwords and badge PINs, computed off the event loop."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError, VerifyMismatchError

# OWASP's minimum argon2id profile: strong, yet cheap enough for a busy shift change.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)

# Verified against when an account does not exist, so timing does not reveal which accounts do.
_DUMMY_HASH = _hasher.hash("floorsync-no-such-account")


def hash_secret(secret: str) -> str:
    """The argon2id hash of ``secret`` (blocking: call through a HashPool from async code)."""
    return _hasher.hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    """True when ``secret`` matches; always spends the same work, even without a hash."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, secret) and stored_hash is not None
    except (VerifyMismatchError, VerificationError):
        return False


class HashPool:
    """Runs argon2 in worker threads (it releases the GIL), at most ``concurrency`` at once.

    On the event loop one verify stalls every scan and socket for tens of milliseconds; unbounded
    in threads, a shift change's logins would take every core and the threads' memory (19 MiB each).
    """

    def __init__(self, concurrency: int) -> None:
        if concurrency < 1:
            raise ValueError("hash concurrency must be at least 1")
        self._slots = asyncio.Semaphore(concurrency)

    async def hash(self, secret: str) -> str:
        """Hash ``secret`` off the loop."""
        async with self._slots:
            return await asyncio.to_thread(hash_secret, secret)

    async def verify(self, stored_hash: str | None, secret: str) -> bool:
        """Verify ``secret`` off the loop; see ``verify_secret``."""
        async with self._slots:
            return await asyncio.to_thread(verify_secret, stored_hash, secret)
