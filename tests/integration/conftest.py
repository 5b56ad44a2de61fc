"""Fixtures of the integration tests beyond the shared ones: a real server for WebSocket tests."""

from tests.live import live_url

__all__ = ["live_url"]
