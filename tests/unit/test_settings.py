"""Settings read from the environment: a wrong value is refused with the variable's name."""

from __future__ import annotations

import pytest

from server.settings import Settings, SettingsError


def test_the_log_level_is_read_in_any_case() -> None:
    assert Settings.from_env({"FLOORSYNC_LOG_LEVEL": "warning"}).log_level == "WARNING"
    assert Settings.from_env({}).log_level == "INFO"


def test_an_unknown_log_level_is_refused() -> None:
    with pytest.raises(SettingsError, match="FLOORSYNC_LOG_LEVEL must be one of debug, info"):
        Settings.from_env({"FLOORSYNC_LOG_LEVEL": "loud"})
