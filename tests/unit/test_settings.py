"""Settings read from the environment: a wrong value is refused with the variable's name."""

from __future__ import annotations

import os

import pytest

from server.settings import Settings, SettingsError


def test_the_log_level_is_read_in_any_case() -> None:
    assert Settings.from_env({"FLOORSYNC_LOG_LEVEL": "warning"}).log_level == "WARNING"
    assert Settings.from_env({}).log_level == "INFO"


def test_an_unknown_log_level_is_refused() -> None:
    with pytest.raises(SettingsError, match="FLOORSYNC_LOG_LEVEL must be one of debug, info"):
        Settings.from_env({"FLOORSYNC_LOG_LEVEL": "loud"})


def test_input_limits_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {"FLOORSYNC_MAX_BODY_BYTES": "2048", "FLOORSYNC_MAX_QUANTITY": "500", "FLOORSYNC_MAX_DOCUMENT_LINES": "10"}
    )
    assert (settings.max_body_bytes, settings.max_quantity, settings.max_document_lines) == (2048, 500, 10)
    defaults = Settings.from_env({})
    assert defaults.max_body_bytes == Settings().max_body_bytes == 1 << 20
    assert defaults.max_json_depth == Settings().max_json_depth


@pytest.mark.parametrize("value", ["0", "-1", "1e6", "lots", "2.5"])
def test_an_input_limit_that_is_not_a_positive_whole_number_is_refused(value: str) -> None:
    with pytest.raises(SettingsError, match=r"FLOORSYNC_MAX_JSON_DEPTH must be (a whole number of )?at least 1"):
        Settings.from_env({"FLOORSYNC_MAX_JSON_DEPTH": value})


def test_hash_concurrency_defaults_to_half_the_cores_and_is_read_like_every_number() -> None:
    assert Settings.from_env({}).hash_concurrency == max(1, (os.cpu_count() or 2) // 2)
    assert Settings.from_env({"FLOORSYNC_HASH_CONCURRENCY": "3"}).hash_concurrency == 3
    with pytest.raises(SettingsError, match="FLOORSYNC_HASH_CONCURRENCY must be at least 1"):
        Settings.from_env({"FLOORSYNC_HASH_CONCURRENCY": "0"})


def test_webhook_settings_are_read_from_the_environment_with_defaults() -> None:
    assert Settings.from_env({}).webhook_max_attempts == 8
    read = Settings.from_env({"FLOORSYNC_WEBHOOK_MAX_ATTEMPTS": "3", "FLOORSYNC_WEBHOOK_TIMEOUT_S": "2.5"})
    assert (read.webhook_max_attempts, read.webhook_timeout_s) == (3, 2.5)


@pytest.mark.parametrize(
    "env",
    [
        {"FLOORSYNC_WEBHOOK_MAX_ATTEMPTS": "many"},
        {"FLOORSYNC_WEBHOOK_MAX_ATTEMPTS": "0"},
        {"FLOORSYNC_WEBHOOK_TIMEOUT_S": "0"},
        {"FLOORSYNC_WEBHOOK_FAILING_AFTER": "2.5"},
    ],
)
def test_a_bad_webhook_setting_is_refused_with_its_name(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match=next(iter(env))):
        Settings.from_env(env)
