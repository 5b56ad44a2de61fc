"""Every environment variable the settings read is explained in ``floorsync serve --help``."""

from __future__ import annotations

from server.cli_env import ENVIRONMENT, READS
from server.settings import _WEBHOOK_ENV, LIMITS


def test_every_tunable_setting_is_listed_in_the_serve_help() -> None:
    tunables = {*LIMITS.values(), *_WEBHOOK_ENV, "FLOORSYNC_HASH_CONCURRENCY", "FLOORSYNC_TRUSTED_PROXIES"}
    assert tunables <= set(ENVIRONMENT)
    assert tunables <= set(READS["serve"])
