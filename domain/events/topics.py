"""The live topics a WebSocket client subscribes to (``kind:WAREHOUSE``); events name theirs."""

from __future__ import annotations

BOARD = "board"
MY_TASKS = "my-tasks"
ATP = "atp"
ORDERS = "orders"
EXCEPTIONS = "exceptions"

TOPIC_KINDS = (BOARD, MY_TASKS, ATP, ORDERS, EXCEPTIONS)
