"""Scan interpretation for handheld diagnostics and integrations."""

from __future__ import annotations

import msgspec
from litestar import Controller, post
from litestar.params import JSONBody

from server.auth.principal import AUTHENTICATED, ensure_warehouse
from server.deps import Caller, Db
from server.services.scan_models import ScanReading
from server.services.scans import InterpretScan, describe_scan


class ScanController(Controller):
    path = "/api/scans"
    tags = ["scanning"]

    @post("/interpret", operation_id="interpretScan", guards=[AUTHENTICATED], status_code=200)
    async def interpret_scan(self, data: JSONBody[InterpretScan], db: Db, principal: Caller) -> ScanReading:
        """What a scan is at a step: a location, an SSCC, a GTIN with lot/expiry/weight/count, an LPN, a tote."""
        ensure_warehouse(principal, data.warehouse)
        return msgspec.convert(await describe_scan(db, data), ScanReading)
