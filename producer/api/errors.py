"""Errors as OpenAI's API shapes them: `{"error": {"message", "type", "param", "code"}}`.

The status codes are the ones the `openai` SDK maps to its exception classes (400
BadRequestError, 401 AuthenticationError, 403 PermissionDeniedError, 404 NotFoundError,
409 ConflictError, 413/422 as API errors, 429 RateLimitError). Messages name ids, fields and
line numbers, never content. `x-should-retry` tells the SDK whether a retry can help.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse

from schemas.constants import API_MAX_RETRY_AFTER_SECONDS


@dataclass
class ApiError(Exception):
    """An error answer: status, OpenAI error type, a fixed code, the param it concerns."""

    status: int
    message: str
    type: str = "invalid_request_error"
    code: str | None = None
    param: str | None = None
    retry_after: int | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        """What the audit trail records for this answer: its code, never its message."""
        return self.code or self.type

    def response(self) -> JSONResponse:
        """The HTTP answer."""
        headers = dict(self.headers)
        if self.retry_after is not None:
            headers["Retry-After"] = str(max(1, min(self.retry_after,
                                                    API_MAX_RETRY_AFTER_SECONDS)))
        # The SDK retries 408, 409, 429 and 5xx by default; say when that is pointless.
        headers.setdefault("x-should-retry",
                           "true" if self.status in (409, 429) or self.status >= 500 else "false")
        return JSONResponse(error_body(self.message, self.type, self.code, self.param),
                            status_code=self.status, headers=headers)


def error_body(message: str, type_: str, code: str | None, param: str | None) -> dict[str, Any]:
    """OpenAI's error object."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def bad_request(message: str, *, param: str | None = None,
                code: str = "invalid_request") -> ApiError:
    """400: the request is wrong in a way the caller can fix."""
    return ApiError(400, message, code=code, param=param)


def not_found(what: str, object_id: str) -> ApiError:
    """404: no such object for this tenant (another tenant's looks exactly the same)."""
    return ApiError(404, f"No {what} found with id '{object_id}'.", code="not_found")


def unauthorized(message: str, reason: str) -> ApiError:
    """401: no usable API key."""
    return ApiError(401, message, type="authentication_error", code=reason,
                    headers={"WWW-Authenticate": "Bearer"})


def forbidden(message: str) -> ApiError:
    """403: the key is valid but its role may not do this."""
    return ApiError(403, message, type="permission_error", code="insufficient_role")


def rate_limited(message: str, *, retry_after: int, code: str) -> ApiError:
    """429: over a limit for now; retry after `retry_after` seconds."""
    return ApiError(429, message, type="rate_limit_error", code=code, retry_after=retry_after)


def too_large(message: str) -> ApiError:
    """413: the body is bigger than the gateway accepts."""
    return ApiError(413, message, code="payload_too_large")
