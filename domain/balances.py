"""Balances over journal entries: the trial balance and one account's balance, as checks of the books."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from domain.ledger import Account, JournalEntry


@dataclass(frozen=True, slots=True)
class TrialBalanceRow:
    account: str
    currency: str
    debit: int
    credit: int

    @property
    def balance(self) -> int:
        return self.debit - self.credit  # positive for a debit balance


def trial_balance(entries: Iterable[JournalEntry]) -> tuple[TrialBalanceRow, ...]:
    """Debit and credit totals per account and currency, by account code."""
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for line in (line for entry in entries for line in entry.lines):
        totals[(line.account, line.currency)][0] += line.debit
        totals[(line.account, line.currency)][1] += line.credit
    return tuple(TrialBalanceRow(a, c, d, cr) for (a, c), (d, cr) in sorted(totals.items()))


def account_balance(
    entries: Iterable[JournalEntry], account: Account, *, currency: str, warehouse: str | None = None
) -> int:
    """Debit minus credit on ``account``, optionally for one warehouse."""
    lines = (line for entry in entries for line in entry.lines)
    return sum(
        line.debit - line.credit
        for line in lines
        if (line.account, line.currency) == (account.code, currency) and warehouse in (None, line.warehouse)
    )
