"""Reading a `POST /v1/files` body as it streams: multipart fields, then the file, line by line.

python-multipart parses the body push-style as chunks arrive; the `file` part's bytes are cut
into lines and handed to the upload writer, which validates and seals each one. Nothing is
spooled to disk (the framework's own form parsing would write big files to a temp file), and
memory holds one chunk and one line at most.
"""

from __future__ import annotations

from collections.abc import Callable

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from producer.files import MAX_LINE_BYTES
from schemas.errors import SpecError

# A form field other than the file (purpose, expires_after[...]) is a short word or number.
MAX_FIELD_BYTES = 1024
FILE_FIELD = "file"

LineSink = Callable[[bytes, int], None]


class FormError(ValueError):
    """The multipart body is malformed or holds an unexpected field; the message says which."""

    def __init__(self, message: str, *, param: str | None = None) -> None:
        self.param = param
        super().__init__(message)


def boundary_of(content_type: str | None) -> bytes:
    """The multipart boundary of a Content-Type header, or FormError."""
    kind, options = parse_options_header(content_type or "")
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise FormError("expected a multipart/form-data body with a boundary "
                        "(upload the file as the `file` field, with purpose=batch)")
    return options[b"boundary"]


class MultipartUpload:
    """Feed it the body's chunks; it collects the small fields and streams the file's lines.

    `on_file_start` is called when the file part begins (with the fields seen so far, which
    the SDK sends first), `on_line` with each line of the file and its line number.
    """

    def __init__(self, boundary: bytes, *, on_file_start: Callable[[dict[str, str]], None],
                 on_line: LineSink) -> None:
        self.fields: dict[str, str] = {}
        # The fields that arrived before the file (the file's settings must be among them).
        self.fields_before_file: frozenset[str] = frozenset()
        self.filename: str | None = None
        self.file_bytes = 0
        self._on_file_start = on_file_start
        self._on_line = on_line
        self._headers: dict[str, bytes] = {}
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._part_name: str | None = None
        self._value = bytearray()
        self._line = bytearray()
        self._line_no = 0
        self._in_file = False
        self._parser = MultipartParser(boundary, callbacks={
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field_data,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        })

    def feed(self, chunk: bytes) -> None:
        """Parse one chunk of the body (lines and fields are handed on as they complete)."""
        try:
            self._parser.write(chunk)
        except MultipartParseError:
            raise FormError("the multipart body is malformed") from None

    def finish(self) -> None:
        """The body has ended: FormError if the file never came."""
        try:
            self._parser.finalize()
        except MultipartParseError:
            raise FormError("the multipart body ended early") from None
        if self.filename is None:
            raise FormError("no `file` field in the upload", param="file")

    # --- parser callbacks ---------------------------------------------------------------

    def _part_begin(self) -> None:
        self._headers = {}
        self._part_name = None
        self._value = bytearray()

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[bytes(self._header_field).decode("latin-1").lower()] = \
            bytes(self._header_value)
        self._header_field = bytearray()
        self._header_value = bytearray()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition", b""))
        name = options.get(b"name")
        if name is None:
            raise FormError("a multipart part has no name")
        self._part_name = name.decode("utf-8", "replace")
        if self._part_name == FILE_FIELD:
            if self.filename is not None:
                raise FormError("only one `file` per upload", param="file")
            self.filename = options.get(b"filename", b"upload.jsonl").decode("utf-8", "replace")
            self._in_file = True
            self.fields_before_file = frozenset(self.fields)
            self._on_file_start(dict(self.fields))

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._file_data(data[start:end])
            return
        self._value += data[start:end]
        if len(self._value) > MAX_FIELD_BYTES:
            raise FormError(f"form field {self._part_name!r} is too long",
                            param=self._part_name)

    def _part_end(self) -> None:
        if self._in_file:
            if self._line:
                self._emit(bytes(self._line))
                self._line = bytearray()
            self._in_file = False
            return
        if self._part_name is not None:
            self.fields[self._part_name] = self._value.decode("utf-8", "replace")

    def _file_data(self, data: bytes) -> None:
        self.file_bytes += len(data)
        start = 0
        while True:
            newline = data.find(b"\n", start)
            if newline < 0:
                self._line += data[start:]
                if len(self._line) > MAX_LINE_BYTES:
                    raise SpecError(f"the line is longer than {MAX_LINE_BYTES} bytes; one "
                                    "request may hold at most 1 MiB of prompt",
                                    line=self._line_no + 1)
                return
            self._line += data[start:newline]
            self._emit(bytes(self._line))
            self._line = bytearray()
            start = newline + 1

    def _emit(self, line: bytes) -> None:
        self._line_no += 1
        if len(line) > MAX_LINE_BYTES:
            raise SpecError(f"the line is longer than {MAX_LINE_BYTES} bytes; one request may "
                            "hold at most 1 MiB of prompt", line=self._line_no)
        self._on_line(line, self._line_no)
