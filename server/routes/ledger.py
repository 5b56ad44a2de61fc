"""The general ledger over HTTP: trial balance, a source document's entries, reversals."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, get, post
from litestar.params import FromQuery, JSONBody

from domain.errors import DomainError
from server.auth.principal import ensure_warehouse, requires
from server.deps import Caller, Db
from server.services.books import entries_for, reverse_entry, trial_balance


class ReverseEntry(msgspec.Struct, forbid_unknown_fields=True):
    """The id of the journal entry to reverse (ids may hold slashes, so it travels in the body)."""

    entry: str


class LedgerController(Controller):
    path = "/api/ledger"
    tags = ["ledger"]
    guards = [requires("supervisor")]

    @get("/trial-balance", operation_id="getTrialBalance")
    async def balance(self, db: Db, principal: Caller, warehouse: FromQuery[str | None] = None) -> dict[str, Any]:
        """Totals per account; with ``warehouse``, that warehouse's entries only."""
        if warehouse is None and "admin" not in principal.roles:
            raise DomainError("ledger.warehouse_required", "Name the warehouse whose books to show", status=422)
        if warehouse is not None:
            ensure_warehouse(principal, warehouse)
        return await trial_balance(db, warehouse=warehouse)

    @get("/entries", operation_id="listJournalEntries")
    async def entries(
        self, db: Db, principal: Caller, source_kind: FromQuery[str], source_id: FromQuery[str]
    ) -> list[dict[str, Any]]:
        """The entries a source document posted (e.g. ``receipt`` / ``RCV-...``, ``invoice`` / ``SO-...``)."""
        found = await entries_for(db, source_kind=source_kind, source_id=source_id)
        return [e for e in found if e["warehouse"] is None or principal.may_access(e["warehouse"])]

    @post("/reversals", operation_id="reverseJournalEntry", guards=[requires("admin")])
    async def reverse(self, data: JSONBody[ReverseEntry], db: Db, principal: Caller) -> dict[str, Any]:
        """Post the reversal of an entry (admins only); entries that moved stock are corrected by adjustment."""
        return await reverse_entry(db, principal, data.entry)
