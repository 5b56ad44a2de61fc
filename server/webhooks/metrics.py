"""Prometheus metrics of webhook deliveries (served on /metrics with the rest)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Metric objects (not connections) live at module level because Prometheus' registry is global.
DELIVERIES = Counter(
    "floorsync_webhook_deliveries_total", "Webhook delivery attempts by outcome (delivered, retry, dead)", ["outcome"]
)
FAILURES = Counter(
    "floorsync_webhook_failures_total", "Failed webhook attempts by cause (status, timeout, network)", ["cause"]
)
LATENCY = Histogram(
    "floorsync_webhook_request_seconds",
    "Webhook request duration until the receiver answered",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
FROM_COMMIT = Histogram(
    "floorsync_webhook_delivery_delay_seconds",
    "From the event's commit to the receiver's 2xx",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
LAG = Gauge(
    "floorsync_webhook_lag_events", "Events of the warehouse stream a subscription has not passed yet", ["subscription"]
)
DEAD_LETTERS = Gauge("floorsync_webhook_dead_letters", "Dead letters not yet delivered by replay", ["subscription"])
FAILING = Gauge("floorsync_webhook_failing", "1 while a subscription keeps failing", ["subscription"])
