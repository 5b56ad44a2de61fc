"""Cheap checks of a JSON body's shape before anything decodes it into objects: how deep it nests,
how many lines a document carries, how large its quantities are. Pure functions, no I/O."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import partial
from itertools import accumulate
from typing import Any

_NOT_BRACKETS = bytes(range(256)).translate(None, b"[]{}")
_STEPS = bytes.maketrans(b"[]{}", b"\x01\xff\x01\xff")  # +1 and -1 as signed bytes


def _outside_strings(body: bytes) -> bytes:
    """The JSON text with its strings' contents removed (brackets in text do not nest anything)."""
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    return b"".join(unescaped.split(b'"')[0::2])


def nesting_exceeds(body: bytes, max_depth: int) -> bool:
    """Does the JSON text nest arrays and objects deeper than ``max_depth``?

    A scan of the bytes in C-speed steps, never recursing (the decoders recurse, and 100,000 ``[``
    exhaust the stack): strings blanked, everything but brackets dropped, then the running depth
    (+1 per opener, -1 per closer) stops at the first point past the limit. Unbalanced text counts
    too, so ``[[[[…`` without an end is refused here rather than by a decoder.
    """
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return False
    steps = memoryview(_outside_strings(body).translate(_STEPS, _NOT_BRACKETS)).cast("b")
    return next(filter(partial(operator.lt, max_depth), accumulate(steps)), None) is not None


@dataclass(frozen=True, slots=True)
class ShapeError:
    """Why a document is refused: a stable code, what to do about it, and where (a JSON path)."""

    code: str
    detail: str
    at: str


QUANTITY_KEYS = frozenset({"qty", "quantity", "delta"})  # delta: a stock adjustment, in base units


def _is_quantity(key: str) -> bool:
    return key in QUANTITY_KEYS or key.endswith("_qty")


def shape_error(document: Any, *, max_lines: int, max_quantity: int) -> ShapeError | None:
    """The first ``lines`` list longer than ``max_lines`` or quantity beyond ``max_quantity``, anywhere
    in the decoded document (device mutation payloads included), or None."""
    stack: list[tuple[Any, str]] = [(document, "$")]
    while stack:
        value, at = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                path = f"{at}.{key}"
                if key == "lines" and isinstance(item, list) and len(item) > max_lines:
                    return ShapeError(
                        "request.too_many_lines",
                        f"A document carries at most {max_lines} lines; split it into several.",
                        path,
                    )
                if _is_quantity(key) and isinstance(item, int | float) and not isinstance(item, bool):
                    if abs(item) > max_quantity:
                        return ShapeError(
                            "request.quantity_too_large",
                            f"A quantity is at most {max_quantity} base units; check the number.",
                            path,
                        )
                elif isinstance(item, dict | list):
                    stack.append((item, path))
        elif isinstance(value, list):
            stack.extend((item, f"{at}[{index}]") for index, item in enumerate(value) if isinstance(item, dict | list))
    return None
