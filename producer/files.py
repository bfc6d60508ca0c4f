"""Uploaded batch input files: validated line by line and sealed as they arrive.

A file gets its own data key (wrapped by its expiry bucket's key, like a job's). Each request
line is validated, then sealed under that key with associated data naming the file and the
line, and written in chunks while the upload streams in, so no plaintext is ever buffered on
disk and memory stays bounded by one chunk. The file row is `uploading` (invisible) until the
last line is in; a bad line or a broken upload deletes everything stored so far.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import Engine, delete, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from producer.spec import parse_line
from schemas import constants, envelope
from schemas.db import store_errors
from schemas.envelope import JobBinding
from schemas.errors import Conflict, EnvelopeError, NotFound, SpecError
from schemas.jobs import BatchLine
from schemas.sealing import Sealer, file_binding
from schemas.tables import FileLine, InputFile

# Sealed lines per insert: bounds the upload's memory whatever the file's size.
LINE_CHUNK = 500
# A single JSONL line may hold a 1 MiB prompt, JSON-escaped: longer lines are refused as
# soon as they pass this, before they fill memory.
MAX_LINE_BYTES = 4 * constants.MAX_PROMPT_BYTES
UPLOADING = constants.FILE_UPLOADING
PROCESSED = constants.FILE_PROCESSED
DELETED = constants.FILE_DELETED


@dataclass(frozen=True, slots=True)
class FileInfo:
    """An input file as the API shows it; the name is opened in memory only for display."""

    id: str
    tenant: str
    purpose: str
    filename: str
    size_bytes: int
    line_count: int
    created_at: datetime
    expires_at: datetime


def new_file_id() -> str:
    """A fresh input file id, in OpenAI's shape."""
    return f"{constants.FILE_ID_PREFIX}{uuid.uuid4().hex}"


def _line_binding(file: JobBinding, position: int) -> JobBinding:
    # The line's position is part of its associated data: lines cannot be moved or swapped.
    return replace(file, position=position)


class UploadWriter:
    """One upload in progress: feed it lines, then finish or abort it."""

    def __init__(self, store: FileStore, *, file_id: str, binding: JobBinding, data_key: bytes,
                 max_lines: int) -> None:
        self._store = store
        self.file_id = file_id
        self._binding = binding
        self._data_key = data_key
        self._max_lines = max_lines
        self._pending: list[dict[str, object]] = []
        self._custom_ids: dict[str, int] = {}
        self.line_count = 0

    def add(self, raw: bytes, line_no: int) -> None:
        """Validate and seal one line of the upload (blank lines are skipped)."""
        if not raw.strip():
            return
        line = parse_line(raw, line_no)
        first = self._custom_ids.setdefault(line.custom_id, line_no)
        if first != line_no:
            raise SpecError(f"custom_id: {line.custom_id!r} is already used on line {first}; "
                            "custom ids must be unique within a file", line=line_no)
        if self.line_count >= self._max_lines:
            raise SpecError(f"the file has more than {self._max_lines} requests; split it",
                            line=line_no)
        position = self.line_count
        self.line_count += 1
        sealed = envelope.seal(self._data_key, line.model_dump_json().encode(),
                               _line_binding(self._binding, position), "line")
        self._pending.append({"file_id": self.file_id, "position": position,
                              "line_no": line_no, "sealed_line": sealed})
        if len(self._pending) >= LINE_CHUNK:
            self.flush()

    def flush(self) -> None:
        """Write the sealed lines held so far."""
        if self._pending:
            with store_errors(), Session(self._store.engine) as session, session.begin():
                session.execute(insert(FileLine), self._pending)
            self._pending = []

    def finish(self, *, filename: str, size_bytes: int) -> FileInfo:
        """Make the file visible; SpecError if it held no request."""
        if self.line_count == 0:
            raise SpecError("no requests found: the file is empty or blank")
        self.flush()
        sealed_name = envelope.seal(self._data_key, filename.encode(), self._binding, "name")
        with store_errors(), Session(self._store.engine) as session, session.begin():
            session.execute(update(InputFile).where(InputFile.id == self.file_id)
                            .values(status=PROCESSED, sealed_filename=sealed_name,
                                    size_bytes=size_bytes, line_count=self.line_count))
        info = self._store.get(self._binding.tenant, self.file_id)
        assert info is not None  # just committed
        return info

    def abort(self) -> None:
        """Delete everything this upload stored."""
        self._pending = []
        self._store.remove(self.file_id)


class FileStore:
    """Input files in the job database, sealed; every read is scoped to one tenant."""

    def __init__(self, engine: Engine, sealer: Sealer) -> None:
        self.engine = engine
        self._sealer = sealer

    def begin(self, *, tenant: str, purpose: str, expires_at: datetime, now: datetime,
              idempotency_key: str | None = None,
              max_lines: int = constants.DEFAULT_API_MAX_FILE_LINES) -> UploadWriter:
        """Start an upload: an invisible file row with a fresh data key."""
        file_id = new_file_id()
        binding = file_binding(file_id=file_id, tenant=tenant, expires_at=expires_at)
        key_id, wrapped, data_key = self._sealer.new_data_key(binding, expires_at=expires_at,
                                                              now=now)
        row = InputFile(id=file_id, tenant=tenant, purpose=purpose, status=UPLOADING,
                        size_bytes=0, line_count=0, idempotency_key=idempotency_key,
                        created_at=now, expires_at=expires_at, wrapped_key=wrapped,
                        key_id=key_id)
        try:
            with store_errors(), Session(self.engine) as session, session.begin():
                session.add(row)
        except IntegrityError:
            raise Conflict("an upload with this Idempotency-Key is still in progress; "
                           "retry when it has finished") from None
        return UploadWriter(self, file_id=file_id, binding=binding, data_key=data_key,
                            max_lines=max_lines)

    def by_idempotency_key(self, tenant: str, key: str, *, now: datetime) -> FileInfo | None:
        """The file an earlier upload with this Idempotency-Key made, if it is still there."""
        with store_errors(), Session(self.engine) as session:
            row = session.scalars(select(InputFile).where(
                InputFile.tenant == tenant, InputFile.idempotency_key == key)).first()
        if row is None or row.status != PROCESSED or not _alive(row, now):
            return None
        return self._info(row, now)

    def get(self, tenant: str, file_id: str, *, now: datetime | None = None) -> FileInfo | None:
        """The tenant's processed, live file with that id, or None."""
        row = self._row(tenant, file_id)
        if row is None or row.status != PROCESSED or (now is not None and not _alive(row, now)):
            return None
        return self._info(row, now or row.created_at)

    def page(self, tenant: str, *, now: datetime, after: str | None, limit: int,
             newest_first: bool = True) -> tuple[list[FileInfo], bool]:
        """One page of the tenant's live files and whether more follow."""
        order = (InputFile.created_at.desc(), InputFile.id.desc()) if newest_first else \
            (InputFile.created_at.asc(), InputFile.id.asc())
        query = select(InputFile).where(InputFile.tenant == tenant,
                                        InputFile.status == PROCESSED,
                                        InputFile.erased_at.is_(None),
                                        InputFile.expires_at > now)
        if after is not None:
            anchor = self._row(tenant, after)
            if anchor is None:
                raise NotFound(f"no file with id {after!r} to list after")
            key = tuple_(InputFile.created_at, InputFile.id)
            bound = (anchor.created_at, anchor.id)
            query = query.where(key < bound if newest_first else key > bound)
        with store_errors(), Session(self.engine) as session:
            rows = list(session.scalars(query.order_by(*order).limit(limit + 1)))
        return [self._info(row, now) for row in rows[:limit]], len(rows) > limit

    def lines(self, tenant: str, file_id: str, *, now: datetime) -> Iterator[tuple[int, BatchLine]]:
        """The file's requests with their line numbers, opened in memory chunk by chunk."""
        row = self._row(tenant, file_id)
        if row is None or row.status != PROCESSED or not _alive(row, now):
            raise NotFound(f"no file with id {file_id!r}")
        binding = file_binding(file_id=row.id, tenant=row.tenant, expires_at=row.expires_at)
        data_key = self._sealer.data_key(binding, row.wrapped_key, now=now)
        last = -1
        while True:
            with store_errors(), Session(self.engine) as session:
                chunk = list(session.execute(
                    select(FileLine.position, FileLine.line_no, FileLine.sealed_line)
                    .where(FileLine.file_id == file_id, FileLine.position > last)
                    .order_by(FileLine.position).limit(LINE_CHUNK)))
            if not chunk:
                return
            for position, line_no, sealed in chunk:
                try:
                    plain = envelope.open_sealed(data_key, sealed,
                                                 _line_binding(binding, position), "line")
                    yield line_no, BatchLine.model_validate_json(plain)
                except (EnvelopeError, ValidationError):
                    raise SpecError("this line of the stored file could not be opened "
                                    "(altered or damaged); upload the file again",
                                    line=line_no) from None
            last = chunk[-1][0]

    def delete(self, tenant: str, file_id: str, *, now: datetime) -> bool:
        """Erase a file's sealed lines, name and key now; False if the tenant has no such file."""
        with store_errors(), Session(self.engine) as session, session.begin():
            found = session.execute(
                update(InputFile).where(InputFile.id == file_id, InputFile.tenant == tenant,
                                        InputFile.status == PROCESSED)
                .values(status=DELETED, sealed_filename=None, wrapped_key=None, erased_at=now)
                .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]  # CursorResult
            if found:
                session.execute(delete(FileLine).where(FileLine.file_id == file_id))
        return bool(found)

    def remove(self, file_id: str) -> None:
        """Delete a file row and its lines entirely (a failed upload)."""
        with store_errors(), Session(self.engine) as session, session.begin():
            session.execute(delete(FileLine).where(FileLine.file_id == file_id))
            session.execute(delete(InputFile).where(InputFile.id == file_id))

    def _row(self, tenant: str, file_id: str) -> InputFile | None:
        with store_errors(), Session(self.engine, expire_on_commit=False) as session:
            row = session.get(InputFile, file_id)
        return row if row is not None and row.tenant == tenant else None

    def _info(self, row: InputFile, now: datetime) -> FileInfo:
        binding = file_binding(file_id=row.id, tenant=row.tenant, expires_at=row.expires_at)
        try:
            filename = self._sealer.open(binding, row.wrapped_key, row.sealed_filename, "name",
                                         now=now).decode()
        except (EnvelopeError, UnicodeDecodeError):
            filename = ""  # the name alone is not worth failing a listing over
        return FileInfo(id=row.id, tenant=row.tenant, purpose=row.purpose, filename=filename,
                        size_bytes=row.size_bytes, line_count=row.line_count,
                        created_at=row.created_at, expires_at=row.expires_at)


def _alive(row: InputFile, now: datetime) -> bool:
    return row.erased_at is None and row.expires_at > now
