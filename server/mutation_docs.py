"""``docs/device-mutations.md``, generated from the mutation registry: every kind a device may send,
what it does and the JSON schema of its payload. ``python -m server.mutation_docs`` rewrites it and a
test fails when it is stale, so the document cannot drift from what the server accepts."""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path

import msgspec

from server.mutations import registered

DOC = Path(__file__).resolve().parent.parent / "docs" / "device-mutations.md"

INTRO = """\
# Device mutation kinds

Generated from the server's registry by `python -m server.mutation_docs`; do not edit by hand.

An offline device sends its queue to `POST /api/devices/{device_id}/mutations` as a JSON array of
`{"mutation_id": n, "kind": "...", "payload": {...}}`, numbered from 1 per device and sent in order
(the rules are in [realtime/PROTOCOL.md](../realtime/PROTOCOL.md)). Each kind below is an intent,
never a row patch; a payload that does not match its schema is answered `rejected` with
`mutation.invalid_payload`, and a business rule saying no is `rejected` with its own code. Quantities
are integers in the item's base unit unless a `uom` says otherwise.
"""


def _load_registry() -> None:
    # the kinds are registered next to their routes, so building the app's route modules fills it
    import server.app  # noqa: F401


def render() -> str:
    """The document's text for the kinds registered now."""
    _load_registry()
    parts = [INTRO]
    for kind in registered():
        summary = inspect.getdoc(kind.payload_type) or ""
        handler_doc = inspect.getdoc(kind.handler) or ""
        schema = msgspec.json.schema(kind.payload_type)
        parts.append(f"## `{kind.kind}`\n")
        parts.extend(text + "\n" for text in (summary, handler_doc) if text)
        parts.append("```json\n" + json.dumps(schema, indent=2, sort_keys=True) + "\n```\n")
    return "\n".join(parts)


def main() -> int:
    """Rewrite the document (``--check``: exit 1 if it is stale)."""
    text = render()
    if "--check" in sys.argv[1:]:
        return 0 if DOC.exists() and DOC.read_text(encoding="utf-8") == text else 1
    DOC.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
