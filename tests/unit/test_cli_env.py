"""Every environment variable the settings read is explained in ``floorsync serve --help``."""

from __future__ import annotations

from server.cli_env import ENVIRONMENT, READS
from server.settings import NUMBERS


def test_every_tunable_setting_is_listed_in_the_serve_help() -> None:
    tunables = {*NUMBERS, "FLOORSYNC_TRUSTED_PROXIES"}
    assert tunables <= set(ENVIRONMENT)
    assert tunables <= set(READS["serve"])
