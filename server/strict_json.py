"""Request bodies decoded straight into the route's ``data`` type, strictly.

Litestar decodes a body to plain JSON values and then converts them to the handler's type leniently
(it must: path and query values arrive as text), so ``"5"`` and ``2.0`` became the integer 5. Here
the body is decoded with its target type and ``strict=True``: a number where a number belongs, and
an integer only as an integer. The converted value passes Litestar's own conversion unchanged.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request

from server.problems import Problem


def _invalid(exc: msgspec.ValidationError) -> Problem:
    message, _, where = str(exc).partition(" - at `")
    key = where.rstrip("`").removeprefix("$").lstrip(".")
    errors = [{"key": key or "body", "message": message, "source": "body"}]
    return Problem(
        400, "request.invalid", f"Some fields are missing or malformed: {key or 'body'}: {message}", errors=errors
    )


class StrictRequest(Request[Any, Any, Any]):
    """The app's request class: ``data`` bodies decode strictly into the handler's annotation."""

    async def json(self) -> Any:
        """The body as the route's ``data`` type (plain JSON values on routes without one)."""
        field = self.route_handler.parsed_data_field
        if field is None:
            return await super().json()
        body = await self.body()
        try:
            return msgspec.json.decode(body or b"null", type=field.annotation, strict=True)
        except msgspec.ValidationError as exc:
            raise _invalid(exc) from None
        except msgspec.DecodeError:
            raise Problem(400, "request.invalid", "The body is not valid JSON.") from None
        except TypeError:  # an annotation msgspec cannot decode into: Litestar's own way
            return await super().json()
