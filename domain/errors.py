"""The one error type the domain raises: a stable machine code and a message a person can act on."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule said no.

    ``code`` is stable and machine readable (``stock.insufficient``), ``message`` is what a person
    on the floor can act on, ``details`` carries the facts behind it (item, location, quantities).
    ``status`` is the HTTP status the server answers with (409 conflict of state by default,
    422 for a request that can never succeed as written, 404 for something that does not exist).
    """

    def __init__(self, code: str, message: str, *, status: int = 409, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.message!r}, details={self.details!r})"
