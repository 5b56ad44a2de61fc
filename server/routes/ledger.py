"""The general ledger over HTTP: trial balance, a source document's entries, reversals."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery, JSONBody, QueryParameter
from litestar.response import Stream

from domain.errors import Invalid
from server.auth.principal import ensure_warehouse, requires
from server.deps import Caller, Db
from server.services.books import entries_for, reverse_entry, trial_balance
from server.services.journal_export import FORMATS, period
from server.services.ledger_models import EntryView, ExportedEntry, TrialBalance


class ReverseEntry(msgspec.Struct, forbid_unknown_fields=True):
    """The id of the journal entry to reverse (ids may hold slashes, so it travels in the body)."""

    entry: str


class LedgerController(Controller):
    path = "/api/ledger"
    tags = ["ledger"]
    guards = [requires("supervisor")]

    @get("/trial-balance", operation_id="getTrialBalance")
    async def balance(self, db: Db, principal: Caller, warehouse: FromQuery[str | None] = None) -> TrialBalance:
        """Totals per account; with ``warehouse``, that warehouse's entries only."""
        if warehouse is None and "admin" not in principal.roles:
            raise Invalid("ledger.warehouse_required", "Name the warehouse whose books to show")
        if warehouse is not None:
            ensure_warehouse(principal, warehouse)
        return msgspec.convert(await trial_balance(db, warehouse=warehouse), TrialBalance)

    @get(
        "/journal",
        operation_id="exportJournal",
        responses={
            200: ResponseSpec(
                data_container=list[ExportedEntry],
                description="The entries as a JSON array; with format=csv, text/csv with one row per line.",
            )
        },
    )
    async def journal(
        self,
        db: Db,
        principal: Caller,
        start: Annotated[date, QueryParameter(name="from")],
        end: Annotated[date, QueryParameter(name="to")],
        warehouse: FromQuery[str | None] = None,
        format: FromQuery[str] = "json",
    ) -> Stream:
        """Journal entries posted from ``from`` to ``to`` (dates, both inclusive, UTC) for the accounting
        system, each with its source document (``source.kind``/``source.id``: receipt, shipment, invoice,
        count, adjustment, opening, reversal) and its lines (account, debit, credit, currency, SKU).
        ``format=json``: an array of entries; ``format=csv``: one row per line, the entry repeated.
        Streamed: a year of entries never sits in memory.

        Problems: ``ledger.period_invalid``, ``ledger.format_unknown``, ``ledger.warehouse_required``
        (422), ``auth.wrong_warehouse`` (403)."""
        if format not in FORMATS:
            raise Invalid("ledger.format_unknown", "format is json or csv")
        if warehouse is None and "admin" not in principal.roles:
            raise Invalid("ledger.warehouse_required", "Name the warehouse whose journal to export")
        if warehouse is not None:
            ensure_warehouse(principal, warehouse)
        since, until = period(start, end)
        media_type, write = FORMATS[format]
        name = f"journal-{start}-{end}{'-' + warehouse if warehouse else ''}.{format}"
        return Stream(
            write(db, since=since, until=until, warehouse=warehouse),
            media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @get("/entries", operation_id="listJournalEntries")
    async def entries(
        self, db: Db, principal: Caller, source_kind: FromQuery[str], source_id: FromQuery[str]
    ) -> list[EntryView]:
        """The entries a source document posted (e.g. ``receipt`` / ``RCV-...``, ``invoice`` / ``SO-...``)."""
        found = await entries_for(db, source_kind=source_kind, source_id=source_id)
        visible = [e for e in found if e["warehouse"] is None or principal.may_access(e["warehouse"])]
        return msgspec.convert(visible, list[EntryView])

    @post("/reversals", operation_id="reverseJournalEntry", guards=[requires("admin")])
    async def reverse(self, data: JSONBody[ReverseEntry], db: Db, principal: Caller) -> EntryView:
        """Post the reversal of an entry (admins only); entries that moved stock are corrected by adjustment."""
        return msgspec.convert(await reverse_entry(db, principal, data.entry), EntryView)
