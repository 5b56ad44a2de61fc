"""Reading an import file as it streams in: CSV or a JSON array, parsed incrementally in batches of
rows, never held whole in memory."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import AsyncIterator, Callable
from typing import Any

import ijson

from domain.errors import Invalid
from server.problems import Problem

Row = tuple[int, dict[str, Any]]  # (1-based row number, field -> raw value)
BATCH_ROWS = 5000


def malformed(code: str, message: str) -> Invalid:
    """The file as a whole cannot be read (nothing is written)."""
    return Invalid(code, message)


class _Csv:
    """Splits decoded text into complete CSV records (a newline inside quotes does not end one)."""

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.pending = ""
        self.header: list[str] | None = None
        self.row_no = 0

    def feed(self, chunk: bytes, *, final: bool = False) -> list[Row]:
        try:
            self.pending += self.decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            raise malformed("import.not_utf8", f"The file is not UTF-8 text ({exc.reason}).") from None
        end = len(self.pending) if final else self._complete_up_to()
        if end <= 0:
            return []
        text, self.pending = self.pending[:end], self.pending[end:]
        try:
            records = list(csv.reader(io.StringIO(text), strict=True))
        except csv.Error as exc:
            raise malformed(
                "import.malformed_csv", f"The CSV cannot be read near row {self.row_no + 1}: {exc}"
            ) from None
        rows: list[Row] = []
        for record in records:
            if not record or record == [""]:
                continue
            if self.header is None:
                self.header = [name.strip() for name in record]
                if len(set(self.header)) != len(self.header) or "" in self.header:
                    raise malformed("import.header_invalid", "The CSV header must name every column once.")
                continue
            self.row_no += 1
            row = dict(zip(self.header, record, strict=False))
            for extra, value in enumerate(record[len(self.header) :], start=len(self.header) + 1):
                row[f"column {extra}"] = value
            rows.append((self.row_no, row))
        return rows

    def _complete_up_to(self) -> int:
        """The end of the last record that is complete: after a newline outside quotes."""
        end = self.pending.rfind("\n")
        while end >= 0 and self.pending.count('"', 0, end) % 2:
            end = self.pending.rfind("\n", 0, end)
        return end + 1


class _JsonArray:
    """Pushes bytes into ijson; collects each element of the top-level array as it completes."""

    def __init__(self) -> None:
        self.done: list[Any] = []
        self.coro = ijson.items_coro(_Sink(self.done), "item", use_float=False)
        self.row_no = 0
        self.started = False

    def feed(self, chunk: bytes, *, final: bool = False) -> list[Row]:
        if not self.started and chunk.strip():
            self.started = True
            if not chunk.lstrip().startswith(b"["):
                raise malformed("import.not_a_list", "A JSON import is an array of objects: [{...}, {...}].")
        try:
            if chunk:
                self.coro.send(chunk)
            if final:
                self.coro.close()
        except ijson.common.IncompleteJSONError as exc:
            raise malformed(
                "import.malformed_json", f"The JSON cannot be read after row {self.row_no}: {exc}"
            ) from None
        rows: list[Row] = []
        for element in self.done:
            self.row_no += 1
            rows.append((self.row_no, element if isinstance(element, dict) else {"": element}))
        self.done.clear()
        return rows


class _Sink:
    def __init__(self, target: list[Any]) -> None:
        self.send: Callable[[Any], None] = target.append


PARSERS: dict[str, Callable[[], _Csv | _JsonArray]] = {"text/csv": _Csv, "application/json": _JsonArray}


def media_type(content_type: str | None) -> str:
    """The file's format from its Content-Type (parameters such as charset ignored)."""
    base = (content_type or "").split(";")[0].strip().lower()
    if base not in PARSERS:
        raise Problem(
            415,
            "import.unsupported_media_type",
            "Send the file as text/csv or application/json (an array of objects).",
            content_type=base,
        )
    return base


async def batches(
    chunks: AsyncIterator[bytes], content_type: str, *, size: int = BATCH_ROWS
) -> AsyncIterator[list[Row]]:
    """Rows of the streamed file in batches of about ``size``."""
    parser = PARSERS[content_type]()
    batch: list[Row] = []
    async for chunk in chunks:
        batch.extend(parser.feed(chunk))
        if len(batch) >= size:
            yield batch
            batch = []
    batch.extend(parser.feed(b"", final=True))
    if batch:
        yield batch
