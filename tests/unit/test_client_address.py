"""Which address is the client's: X-Forwarded-For counts only when a trusted proxy sent it."""

from __future__ import annotations

import pytest

from server.client_address import client_address, trusted_networks
from server.settings import Settings, SettingsError

NGINX = trusted_networks(["10.0.0.0/8", "127.0.0.1"])


def test_a_direct_client_cannot_choose_its_address_with_a_header() -> None:
    assert client_address("198.51.100.9", ["203.0.113.7"], NGINX) == "198.51.100.9"
    assert client_address("198.51.100.9", ["203.0.113.7"], []) == "198.51.100.9"


def test_behind_a_trusted_proxy_the_client_is_the_nearest_untrusted_hop() -> None:
    assert client_address("127.0.0.1", ["203.0.113.7"], NGINX) == "203.0.113.7"
    # the client prepended a forged hop; nginx appended the real one: the forged one is ignored
    assert client_address("127.0.0.1", ["1.2.3.4, 203.0.113.7"], NGINX) == "203.0.113.7"
    assert client_address("10.1.2.3", ["203.0.113.7", "10.9.9.9"], NGINX) == "203.0.113.7"


def test_garbage_in_the_header_stops_at_the_last_trusted_hop() -> None:
    assert client_address("127.0.0.1", ["not-an-ip"], NGINX) == "127.0.0.1"
    assert client_address("127.0.0.1", [], NGINX) == "127.0.0.1"


def test_trusted_proxies_are_read_from_the_environment_and_checked() -> None:
    settings = Settings.from_env({"FLOORSYNC_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"})
    assert settings.trusted_proxies == ("127.0.0.1", "10.0.0.0/8")
    with pytest.raises(SettingsError, match="FLOORSYNC_TRUSTED_PROXIES"):
        Settings.from_env({"FLOORSYNC_TRUSTED_PROXIES": "nginx.local"})
