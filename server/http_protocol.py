"""uvicorn's httptools protocol with a bound on the request head. httptools gathers a header line whole
before handing it over, however long, so a 16 MB header would be read into memory before any
application check: here the bytes of a head are counted as they arrive, and past the limit the
connection is answered 431 and closed."""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from server.problems import PROBLEM_JSON, problem_body

LINGER_S = 2.0


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """Refuses a request whose line and headers together pass ``max_head_bytes``."""

    max_head_bytes = 32 << 10

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0
        self._heads = 0  # heads completed on this connection
        self._messages = 0  # messages (head and body) completed on this connection
        self._refused = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._heads += 1
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._messages += 1
        self._in_head = True  # whatever comes next on this connection is the next request's head

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # the rest of a refused head: read and dropped until the connection closes
        heads, messages = self._heads, self._messages
        super().data_received(data)
        if self._heads != heads or self._messages != messages:
            # a head or a body ended in this read: the rest of it is a body or the start of the next head,
            # which the next reads count (a read that ends a body is mostly body, never all head)
            self._head_bytes = 0
        elif self._in_head and not self.transport.is_closing():
            # the parser holds at most the limit plus one read of an unfinished head
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                self._refuse_head()

    def _refuse_head(self) -> None:
        body = problem_body(
            431, "request.headers_too_large", f"Request headers are over {self.max_head_bytes} bytes."
        )
        head = (
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            + b"content-type: " + PROBLEM_JSON.encode() + b"\r\n"
            + b"content-length: " + str(len(body)).encode() + b"\r\n"
            + b"connection: close\r\n\r\n"
        )
        self.logger.warning("request head over %d bytes: refused", self.max_head_bytes)
        self.transport.write(head + body)
        # a lingering close: closing with unread input would reset the connection, and the client could
        # lose the answer; so say we are done, drop what still comes, and close shortly
        self._refused = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_S, self.transport.close)


def limit_heads(max_head_bytes: int) -> str:
    """Bound the request heads of this process's servers; returns the protocol for uvicorn's ``http``.

    An import path rather than a class, so that worker processes (which get the config pickled) load
    it too; each worker sets its own bound from its settings when it builds its app."""
    BoundedHttpToolsProtocol.max_head_bytes = max_head_bytes
    return f"{__name__}:BoundedHttpToolsProtocol"
