"""Prometheus metrics of the relay and the gateway (metric objects only; Prometheus' registry is global)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

RELAY_LAG = Gauge(
    "floorsync_relay_lag_seconds",
    "Age of the oldest event not yet published to its stream when the relay last looked",
    ["warehouse"],
)
RELAY_DELAY = Histogram(
    "floorsync_relay_publish_delay_seconds",
    "From an event's transaction to its XADD",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60),
)
RELAY_PUBLISHED = Counter("floorsync_relay_events_published_total", "Events published", ["warehouse"])
RELAY_EPOCHS = Counter("floorsync_relay_epochs_started_total", "New stream epochs started", ["warehouse"])
RELAY_ERRORS = Counter("floorsync_relay_errors_total", "Relay passes that failed", ["warehouse", "backend"])
RELAY_OWNED = Gauge("floorsync_relay_owned_warehouses", "Warehouses this instance publishes")

WS_CONNECTIONS = Gauge("floorsync_ws_connections", "Open WebSocket connections")
WS_EVENTS_SENT = Counter("floorsync_ws_events_sent_total", "Events queued to sockets")
WS_RESETS = Counter("floorsync_ws_resets_total", "Reset messages sent", ["reason"])
WS_CLOSED = Counter("floorsync_ws_closed_total", "Connections closed by the server", ["reason"])
WS_FANOUT_DELAY = Histogram(
    "floorsync_ws_fanout_delay_seconds",
    "From an event's transaction to its being queued to the subscribed sockets (server side of delivery)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.35, 0.5, 0.75, 1, 2.5, 5),
)
