"""ASGI middleware: body-size limits before anything is parsed, the audit event of every call,
and a last line of defence that turns any unexpected error into a bare 500.

An unexpected exception is never re-raised to the server: its message (which could quote a
request) would reach the server's log with the traceback. Only its type is logged here.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from producer.api import errors
from producer.audit import Event

log = logging.getLogger("sealq.api")

Record = Callable[[Event], None]


class BodyTooLarge(Exception):
    """The request body passed its limit while it streamed in."""


class BodyLimitMiddleware:
    """Refuse bodies over the limit: by Content-Length at once, else as they stream in."""

    def __init__(self, app: ASGIApp, *, upload_path: str, upload_limit: int,
                 json_limit: int) -> None:
        self.app = app
        self.upload_path = upload_path
        # Multipart framing (boundaries, part headers, the small fields) on top of the file.
        self.upload_limit = upload_limit + 16 * 1024
        self.json_limit = json_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["path"] == self.upload_path and scope["method"] == "POST"
        limit = self.upload_limit if upload else self.json_limit
        what = "upload" if upload else "request body"
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _send_error(send, errors.too_large(
                f"the {what} is larger than the {limit} bytes the gateway accepts"))
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLarge:
            if not started:
                await _send_error(send, errors.too_large(
                    f"the {what} is larger than the {limit} bytes the gateway accepts"))


class AuditMiddleware:
    """Records one audit event per /v1 call once its answer has been sent."""

    def __init__(self, app: ASGIApp, *, record: Record, clock: Callable[[], datetime]) -> None:
        self.app = app
        self.record = record
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        at = self.clock()
        sizes = {"in": 0, "out": 0}
        status = {"code": 500, "started": False, "recorded": False}

        async def record() -> None:
            # Written before the answer's last byte leaves: when the caller has its answer,
            # the event exists.
            status["recorded"] = True
            facts = _state(scope)
            if "action" not in facts:
                return  # no route matched: nothing was asked of sealq
            client = scope.get("client")
            event = Event(
                at=at, action=facts["action"], status=status["code"],
                outcome=facts.get("outcome") or ("ok" if status["code"] < 400 else "error"),
                tenant=facts.get("tenant"), key_id=facts.get("key_id"),
                object_id=facts.get("object_id"), request_bytes=sizes["in"],
                response_bytes=sizes["out"], items=facts.get("items"),
                client=f"{client[0]}" if client else None)
            try:
                await run_in_threadpool(self.record, event)
            except Exception as e:  # noqa: BLE001  # a lost audit write must not fail the answer
                log.error("audit event not stored: %s", type(e).__name__)

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                sizes["in"] += len(message.get("body", b""))
            return message

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["started"] = True
            elif message["type"] == "http.response.body":
                sizes["out"] += len(message.get("body", b""))
                if not message.get("more_body", False):
                    await record()
            await send(message)

        try:
            await self.app(scope, counting_receive, counting_send)
        except Exception as e:  # noqa: BLE001  # the server must never log this one's message
            incident = uuid.uuid4().hex[:12]
            log.error("internal error %s: %s.%s (message withheld)", incident,
                      type(e).__module__, type(e).__qualname__)
            _state(scope)["outcome"] = "internal_error"
            if not status["started"]:
                status["code"] = 500
                await _send_error(counting_send, errors.ApiError(
                    500, f"internal error (incident {incident}); retry, and report it if it "
                    "repeats", type="server_error", code="internal_error"))
        if not status["recorded"]:
            await record()


def _state(scope: Scope) -> dict[str, Any]:
    """The audit facts routes noted on this request (request.state.audit), made if missing."""
    state = scope.setdefault("state", {})
    audit = state.setdefault("audit", {})
    return audit if isinstance(audit, dict) else {}


async def _send_error(send: Send, error: errors.ApiError) -> None:
    response = error.response()
    await response({"type": "http"}, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
