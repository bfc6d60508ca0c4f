"""The gateway's HTTP surface: FastAPI routes in the shape of OpenAI's Files and Batches API.

FastAPI (on Starlette) gives typed request models, an OpenAPI document the tests fuzz, and
streaming both ways. Uploads bypass its form parsing (which spools big files to disk): the
body is read as a stream and sealed line by line. Every call under /v1 leaves an audit event.
"""


import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse, Response, StreamingResponse

from producer.api import errors
from producer.api.audit_middleware import AuditMiddleware, BodyLimitMiddleware
from producer.api.gateway import Gateway
from producer.api.objects import COMPLETION_WINDOW, ENDPOINT, file_object
from producer.api.upload import FormError, MultipartUpload, boundary_of
from producer.files import UploadWriter
from producer.tenants import Principal, Unauthenticated
from schemas import constants
from schemas.errors import (
    BrokerUnavailable,
    Conflict,
    KeyUnavailable,
    LimitExceeded,
    NotFound,
    SealqError,
    SpecError,
    StoreUnavailable,
)
from schemas.states import Priority

log = logging.getLogger("sealq.api")

IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,64}")
# Ids and cursors are printable ASCII: anything else (a NUL byte, say) cannot name an object.
ID_PATTERN = r"^[\x21-\x7e]{1,64}$"
ObjectId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]
Cursor = Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)]
AUTH_MESSAGES = {
    "missing_key": "You didn't provide an API key: send it as `Authorization: Bearer <key>`.",
    "malformed_key": "The API key is not a sealq key (they start with sqk_).",
    "unknown_key": "Incorrect API key provided.",
    "revoked_key": "This API key has been revoked; ask your operator for a new one.",
    "expired_key": "This API key has expired; ask your operator for a new one.",
}


class OutputExpiresAfter(BaseModel):
    """OpenAI's expiry policy for the output and error files."""

    model_config = ConfigDict(extra="forbid")

    anchor: Literal["created_at"]
    seconds: Annotated[int, Field(ge=3600, le=constants.MAX_TTL_SECONDS)]


class BatchCreate(BaseModel):
    """`POST /v1/batches`: OpenAI's fields, plus sealq's own `kind`, `ttl_seconds`, `priority`."""

    model_config = ConfigDict(extra="forbid")

    input_file_id: Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]
    endpoint: str
    completion_window: str
    metadata: dict[str, str] | None = None
    output_expires_after: OutputExpiresAfter | None = None
    kind: Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)] | None = None
    ttl_seconds: Annotated[int, Field(ge=60, le=constants.MAX_TTL_SECONDS)] | None = None
    # The jobs' lane: urgent starts ahead of normal, normal ahead of bulk.
    priority: Priority = Priority.NORMAL

    @field_validator("metadata")
    @classmethod
    def _metadata_within_limits(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        if len(value) > constants.MAX_METADATA_PAIRS:
            raise ValueError(f"at most {constants.MAX_METADATA_PAIRS} pairs")
        for key, item in value.items():
            if len(key) > constants.MAX_METADATA_KEY_LENGTH:
                raise ValueError(f"keys are at most {constants.MAX_METADATA_KEY_LENGTH} "
                                 "characters")
            if len(item) > constants.MAX_METADATA_VALUE_LENGTH:
                raise ValueError(f"values are at most {constants.MAX_METADATA_VALUE_LENGTH} "
                                 "characters")
        return value


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(value):
        raise errors.bad_request("Idempotency-Key must be 1 to 64 printable ASCII characters",
                                 param="Idempotency-Key")
    return value


def _note(request: Request, **values: Any) -> None:
    """Facts for this call's audit event (ids and counts only)."""
    request.state.audit = {**getattr(request.state, "audit", {}), **values}


def create_app(gateway: Gateway) -> FastAPI:
    """The ASGI application over one gateway."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(gateway.close)

    app = FastAPI(title="sealq gateway", version="1",
                  description="OpenAI-compatible Batch and Files API over sealed jobs.",
                  lifespan=lifespan, docs_url=None, redoc_url=None)
    app.add_middleware(BodyLimitMiddleware, upload_path="/v1/files",
                       upload_limit=gateway.defaults.max_upload_bytes,
                       json_limit=constants.API_MAX_JSON_BODY_BYTES)
    app.add_middleware(AuditMiddleware, record=gateway.audit_record, clock=gateway.clock)
    _install_error_handlers(app)

    def caller(action: str, *, submit: bool = False) -> Callable[..., Awaitable[Principal]]:
        async def dependency(
            request: Request,
            authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
        ) -> Principal:
            _note(request, action=action)
            key = _bearer(authorization)
            try:
                principal = await run_in_threadpool(gateway.authenticate, key)
            except Unauthenticated as e:
                _note(request, tenant=e.tenant, key_id=e.key_id)
                raise errors.unauthorized(AUTH_MESSAGES[e.reason.value],
                                          f"unauthorized.{e.reason.value}") from None
            _note(request, tenant=principal.tenant, key_id=principal.key_id)
            await run_in_threadpool(gateway.check_rate, principal)
            if submit:
                gateway.require_submitter(principal)
            return principal

        return dependency

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> Response:
        try:
            gateway.ready()
        except SealqError as e:
            return JSONResponse({"status": "unavailable", "reason": str(e)}, status_code=503)
        return JSONResponse({"status": "ready"})

    # --- files ---------------------------------------------------------------------------

    @app.post("/v1/files", openapi_extra={"requestBody": {"required": True, "content": {
        "multipart/form-data": {"schema": {
            "type": "object", "required": ["file", "purpose"],
            "properties": {"file": {"type": "string", "format": "binary"},
                           "purpose": {"type": "string", "enum": ["batch"]}}}}}}})
    async def create_file(
        request: Request,
        principal: Annotated[Principal, Depends(caller("files.create", submit=True))],
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    ) -> dict[str, Any]:
        key = _idempotency_key(idempotency_key)
        if key is not None:
            earlier = await run_in_threadpool(gateway.existing_upload, principal, key)
            if earlier is not None:
                _note(request, object_id=earlier["id"], outcome="replayed")
                return earlier
        try:
            boundary = boundary_of(request.headers.get("content-type"))
        except FormError as e:
            raise errors.bad_request(str(e), param="file") from None
        writer: UploadWriter | None = None

        def start(fields: dict[str, str]) -> None:
            nonlocal writer
            writer = gateway.begin_upload(principal, fields, idempotency_key=key)
            _note(request, object_id=writer.file_id)

        def line(raw: bytes, line_no: int) -> None:
            assert writer is not None  # the file part has begun
            writer.add(raw, line_no)

        upload = MultipartUpload(boundary, on_file_start=start, on_line=line)
        try:
            async for chunk in request.stream():
                if chunk:
                    await run_in_threadpool(upload.feed, chunk)
            await run_in_threadpool(upload.finish)
            if upload.fields.get("purpose") != "batch":
                raise errors.bad_request("purpose is required and must be batch",
                                         param="purpose")
            late = {"expires_after[anchor]", "expires_after[seconds]"} & set(upload.fields)
            if late - upload.fields_before_file:
                raise errors.bad_request("send expires_after before the file",
                                         param="expires_after")
            if writer is None or upload.filename is None:
                raise errors.bad_request("no `file` field in the upload", param="file")
            finishing: UploadWriter = writer
            info = await run_in_threadpool(finishing.finish, filename=upload.filename,
                                           size_bytes=upload.file_bytes)
        except BaseException as e:
            if writer is not None:
                await run_in_threadpool(writer.abort)
            if isinstance(e, FormError):
                raise errors.bad_request(str(e), param=e.param or "file") from None
            if isinstance(e, ClientDisconnect):
                raise errors.bad_request("the upload was cut off before it ended") from None
            raise
        _note(request, items=info.line_count)
        return file_object(info)

    @app.get("/v1/files")
    def list_files(
        request: Request,
        principal: Annotated[Principal, Depends(caller("files.list"))],
        after: Cursor = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 10_000,
        order: Annotated[Literal["asc", "desc"], Query()] = "desc",
        purpose: Annotated[str | None, Query(max_length=32)] = None,
    ) -> dict[str, Any]:
        listing = gateway.list_files(principal, after=after, limit=limit, order=order,
                                     purpose=purpose)
        _note(request, items=len(listing["data"]))
        return listing

    @app.get("/v1/files/{file_id}")
    def retrieve_file(
        request: Request,
        principal: Annotated[Principal, Depends(caller("files.retrieve"))],
        file_id: ObjectId,
    ) -> dict[str, Any]:
        _note(request, object_id=file_id)
        return gateway.get_file(principal, file_id)

    @app.delete("/v1/files/{file_id}")
    def delete_file(
        request: Request,
        principal: Annotated[Principal, Depends(caller("files.delete", submit=True))],
        file_id: ObjectId,
    ) -> dict[str, Any]:
        _note(request, object_id=file_id)
        return gateway.delete_file(principal, file_id)

    @app.get("/v1/files/{file_id}/content", response_class=StreamingResponse)
    def file_content(
        request: Request,
        principal: Annotated[Principal, Depends(caller("files.content"))],
        file_id: ObjectId,
    ) -> StreamingResponse:
        _note(request, object_id=file_id)
        records = gateway.file_content(principal, file_id)
        counted = {"lines": 0}

        def lines() -> Iterator[bytes]:
            for record in records:
                counted["lines"] += 1
                yield (json.dumps(record, ensure_ascii=False) + "\n").encode()
            _note(request, items=counted["lines"])

        return StreamingResponse(lines(), media_type="application/jsonl")

    # --- batches -------------------------------------------------------------------------

    @app.post("/v1/batches")
    def create_batch(
        request: Request,
        body: BatchCreate,
        principal: Annotated[Principal, Depends(caller("batches.create", submit=True))],
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    ) -> dict[str, Any]:
        _note(request, object_id=body.input_file_id)
        if body.endpoint != ENDPOINT:
            raise errors.bad_request(f"endpoint is not supported: sealq runs {ENDPOINT} "
                                     "batches", param="endpoint")
        if body.completion_window != COMPLETION_WINDOW:
            raise errors.bad_request(f"completion_window must be {COMPLETION_WINDOW!r}",
                                     param="completion_window")
        ttl = body.ttl_seconds
        if ttl is None and body.output_expires_after is not None:
            ttl = body.output_expires_after.seconds
        batch = gateway.create_batch(principal, input_file_id=body.input_file_id,
                                     kind=body.kind, ttl_seconds=ttl, metadata=body.metadata,
                                     priority=body.priority,
                                     idempotency_key=_idempotency_key(idempotency_key))
        _note(request, object_id=batch["id"], items=batch["request_counts"]["total"])
        return batch

    @app.get("/v1/batches")
    def list_batches(
        request: Request,
        principal: Annotated[Principal, Depends(caller("batches.list"))],
        after: Cursor = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> dict[str, Any]:
        listing = gateway.list_batches(principal, after=after, limit=limit)
        _note(request, items=len(listing["data"]))
        return listing

    @app.get("/v1/batches/{batch_id}")
    def retrieve_batch(
        request: Request,
        principal: Annotated[Principal, Depends(caller("batches.retrieve"))],
        batch_id: ObjectId,
    ) -> dict[str, Any]:
        _note(request, object_id=batch_id)
        return gateway.get_batch(principal, batch_id)

    @app.post("/v1/batches/{batch_id}/cancel")
    def cancel_batch(
        request: Request,
        principal: Annotated[Principal, Depends(caller("batches.cancel", submit=True))],
        batch_id: ObjectId,
    ) -> dict[str, Any]:
        _note(request, object_id=batch_id)
        return gateway.cancel_batch(principal, batch_id)

    return app


def _install_error_handlers(app: FastAPI) -> None:
    def answer(request: Request, error: errors.ApiError) -> Response:
        _note(request, outcome=error.outcome)
        return error.response()

    @app.exception_handler(errors.ApiError)
    async def api_error(request: Request, exc: errors.ApiError) -> Response:
        return answer(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query",
                                                                           "path", "header")]
        param = ".".join(loc) or None
        kind = first.get("type", "")
        if kind == "extra_forbidden":
            message = f"{param}: unknown parameter; remove it"
        elif kind == "missing":
            message = f"{param}: required parameter is missing"
        elif kind == "json_invalid":
            message = "the body is not valid JSON"
        else:
            # pydantic's message names the rule broken; the input itself is never echoed.
            message = f"{param or 'body'}: {first.get('msg', 'invalid')}"
        return answer(request, errors.bad_request(message, param=param))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = {404: "Unknown request URL.", 405: "Method not allowed for this URL."}.get(
            exc.status_code, "The request could not be handled.")
        return answer(request, errors.ApiError(exc.status_code, message, code=kind))

    @app.exception_handler(SpecError)
    async def spec_error(request: Request, exc: SpecError) -> Response:
        return answer(request, errors.bad_request(str(exc), param="input_file_id"
                                                  if exc.line is None else "file"))

    @app.exception_handler(NotFound)
    async def missing(request: Request, exc: NotFound) -> Response:
        return answer(request, errors.ApiError(404, str(exc), code="not_found"))

    @app.exception_handler(LimitExceeded)
    async def limited(request: Request, exc: LimitExceeded) -> Response:
        return answer(request, errors.rate_limited(str(exc), retry_after=exc.retry_after,
                                                   code=exc.code))

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> Response:
        return answer(request, errors.ApiError(409, str(exc), code="conflict"))

    @app.exception_handler(StoreUnavailable)
    @app.exception_handler(BrokerUnavailable)
    @app.exception_handler(KeyUnavailable)
    async def unavailable(request: Request, exc: SealqError) -> Response:
        log.warning("service unavailable: %s", exc)
        return answer(request, errors.ApiError(
            503, "sealq is temporarily unavailable; retry shortly", type="server_error",
            code="service_unavailable", retry_after=5))
