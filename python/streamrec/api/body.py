"""The request body limit: a body larger than the limit is refused with 413 before it is read.

Without a limit, FastAPI reads a whole body into memory and parses it before validation can refuse
it: a 38.9 MB POST held the server for 2 s, grew it by 320 MB and stalled every other request. The
largest body the API accepts (200 fold-in ratings with the longest ids) is 13 KB, 17 KB indented,
so :data:`MAX_BODY_BYTES` (64 KB) leaves room and refuses the rest.

Example::

    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
"""

from collections.abc import Callable
from typing import Any

from .errors import error_json
from .limits import MAX_BODY_BYTES

__all__ = ["BodyLimit", "body_too_large_detail"]


def body_too_large_detail(max_bytes: int, size: int | None = None) -> str:
    """The message of a 413 answer (``size`` is the body's declared length, when known).

    Example::

        body_too_large_detail(65536, 1048576)
        # 'body: 1,048,576 bytes is larger than the limit of 65,536 bytes'
    """
    given = f"{size:,} bytes" if size is not None else "the chunked body"
    return f"body: {given} is larger than the limit of {max_bytes:,} bytes"


class BodyLimit:
    """ASGI middleware refusing request bodies over ``max_bytes`` with 413 and the API's error JSON.

    A ``Content-Length`` over the limit is refused from the headers alone: the body is never read
    (and a client waiting on ``Expect: 100-continue`` is never asked to send it). A body without a
    length (chunked) is read here, counting bytes, up to the limit: beyond it the request is refused
    and what was read is dropped; within it the body is handed on to the app unchanged. The server
    discards the rest of a refused body as it arrives without keeping it, so the connection stays
    usable and no memory grows with the body.

    Example::

        app.add_middleware(BodyLimit, max_bytes=64 * 1024)
    """

    def __init__(self, app: Any, max_bytes: int = MAX_BODY_BYTES) -> None:
        if max_bytes < 1:
            raise ValueError(f"max_bytes: {max_bytes} is not accepted; give an integer >= 1")
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length: bytes | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
        if length is not None:
            size = int(length) if length.isdigit() else None
            # The server refuses a malformed Content-Length before the app sees it; anything that
            # still gets here unreadable is treated like a body of unknown length.
            if size is not None and size > self.max_bytes:
                await self._refuse(send, size)
                return
            if size is not None:
                await self.app(scope, receive, send)
                return
        elif not chunked:
            await self.app(scope, receive, send)
            return
        messages, more = await self._read_up_to_limit(receive)
        if more:
            await self._refuse(send, None)
            return
        await self.app(scope, _replay(messages, receive), send)

    async def _read_up_to_limit(self, receive: Callable) -> tuple[list[dict], bool]:
        """The body's messages while they fit; ``more`` is True when the body exceeds the limit."""
        messages: list[dict] = []
        total = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages, False
            total += len(message.get("body", b""))
            if total > self.max_bytes:
                return [], True
            if not message.get("more_body", False):
                return messages, False

    async def _refuse(self, send: Callable, size: int | None) -> None:
        response = error_json(
            413,
            body_too_large_detail(self.max_bytes, size),
            "body",
            f"a request body of at most {self.max_bytes:,} bytes",
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": response.raw_headers,
            }
        )
        await send({"type": "http.response.body", "body": response.body})


def _replay(messages: list[dict], receive: Callable) -> Callable:
    """A ``receive`` giving ``messages`` first, then whatever ``receive`` gives (a disconnect)."""
    pending = list(messages)

    async def replay() -> dict:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
