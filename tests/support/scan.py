"""Zero-trace scans: look for canary strings everywhere sealq could have left them."""

from __future__ import annotations

import base64
import contextlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

import redis
from sqlalchemy import create_engine, inspect, text


def _variants(needle: str) -> list[bytes]:
    """The needle as it could appear: UTF-8, escaped, UTF-16."""
    return [needle.encode(), needle.encode("unicode_escape"), needle.encode("utf-16-le")]


def _celery_bodies(value: object) -> list[bytes]:
    """Base64 message bodies inside a kombu message (or a list holding one), decoded."""
    found: list[bytes] = []
    if isinstance(value, dict):
        body = value.get("body")
        if isinstance(body, str):
            with contextlib.suppress(ValueError):
                found.append(base64.b64decode(body, validate=True))
        for item in value.values():
            found += _celery_bodies(item)
    elif isinstance(value, list):
        for item in value:
            found += _celery_bodies(item)
    return found


def expand(blob: bytes) -> list[bytes]:
    """The blob plus any Celery message bodies encoded inside it."""
    try:
        return [blob, *_celery_bodies(json.loads(blob))]
    except ValueError:
        return [blob]


def contains(blob: bytes, needles: Iterable[str]) -> list[str]:
    """Which needles appear in the blob, in any of their encodings."""
    return [n for n in needles if any(v in blob for v in _variants(n))]


def scan_redis(url: str, needles: list[str]) -> list[str]:
    """Hits in every key name and value of the Redis database at `url`."""
    client = redis.Redis.from_url(url)
    hits = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key).decode()
        parts: list[bytes] = [key]
        if kind == "string":
            parts.append(client.get(key) or b"")
        elif kind == "list":
            parts.extend(client.lrange(key, 0, -1))
        elif kind == "hash":
            for field, value in client.hgetall(key).items():
                parts.extend([field, value])
        elif kind == "set":
            parts.extend(client.smembers(key))
        elif kind == "zset":
            parts.extend(member for member, _ in client.zrange(key, 0, -1, withscores=True))
        elif kind == "stream":
            for _, fields in client.xrange(key):
                for field, value in fields.items():
                    parts.extend([field, value])
        for part in parts:
            for blob in expand(part):
                hits += [f"redis {key!r}: {n}" for n in contains(blob, needles)]
    return hits


def scan_database(url: str, needles: list[str]) -> list[str]:
    """Hits in every column of every table of the database at `url`."""
    engine = create_engine(url)
    hits = []
    try:
        with engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                    for value in row:
                        if value is None:
                            continue
                        blob = value if isinstance(value, bytes | memoryview) else str(value)
                        data = bytes(blob) if not isinstance(blob, str) else blob.encode()
                        hits += [f"db {table}: {n}" for n in contains(data, needles)]
    finally:
        engine.dispose()
    return hits


def scan_files(roots: Iterable[Path], needles: list[str]) -> list[str]:
    """Hits in every regular file below the roots (logs, temp files, SQLite files)."""
    hits = []
    for root in roots:
        paths = [root] if root.is_file() else [Path(d) / f for d, _, fs in os.walk(root)
                                                  for f in fs]
        for path in paths:
            try:
                data = path.read_bytes()
            except OSError:
                continue
            hits += [f"file {path}: {n}" for n in contains(data, needles)]
    return hits
