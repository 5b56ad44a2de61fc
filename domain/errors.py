"""The errors the business raises: a category, a stable machine code and a message a person can act on.

Which to raise where. The domain, and the services and stores that apply its decisions, raise one
of the categories below (``NotFound``, ``Conflict``, ``Rejected``, ``Invalid``, ``Forbidden``,
``Broken``), also for what is no business rule as such (a row the command names is not there:
``NotFound``), and never an HTTP status: the category says what kind of "no" it is, and
``server/problems.py`` alone maps each category to a status, in one table. ``Problem`` (an HTTP
error) is raised only at the HTTP edge: routes, guards, middleware, authentication and request
parsing, where the status is about HTTP itself (401, 413, 415, 429...). Every code raised is listed,
with its status, in the generated catalogue ``server/problem_codes.py``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


class Category(StrEnum):
    """What kind of refusal an error is; the server turns each into one HTTP status."""

    NOT_FOUND = "not_found"  # what the command names does not exist (or is not visible to its caller)
    CONFLICT = "conflict"  # the current state does not allow it now (stock gone, task already done)
    REJECTED = "rejected"  # a business rule refuses it as asked (wrong item scanned, not a dock door)
    INVALID = "invalid"  # the input is malformed or incomplete (no lines, a quantity below 1)
    FORBIDDEN = "forbidden"  # the caller may not do this (not their customer, approval needs a supervisor)
    BROKEN = "broken"  # an invariant the system itself keeps does not hold (ledger mismatch)


class DomainError(Exception):
    """A business rule said no; raise one of its categories below, never this class itself.

    ``code`` is stable and machine readable (``stock.insufficient``), ``message`` is what a person
    on the floor can act on, ``details`` carries the facts behind it (item, location, quantities).
    """

    category: ClassVar[Category]

    def __init__(self, code: str, message: str, **details: Any) -> None:
        if type(self) is DomainError:
            raise TypeError("raise a category of DomainError (NotFound, Conflict, Rejected...), not DomainError")
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, details={self.details!r})"


class NotFound(DomainError):
    category = Category.NOT_FOUND


class Conflict(DomainError):
    category = Category.CONFLICT


class Rejected(DomainError):
    category = Category.REJECTED


class Invalid(DomainError):
    category = Category.INVALID


class Forbidden(DomainError):
    category = Category.FORBIDDEN


class Broken(DomainError):
    category = Category.BROKEN


CATEGORIES: tuple[type[DomainError], ...] = (NotFound, Conflict, Rejected, Invalid, Forbidden, Broken)
