"""Access: loose key files stop sealq at start; the worker's Redis user cannot wreck Redis.

Already proved elsewhere, not repeated here: Flower answers 401 without credentials or with a
wrong password (tests/integration/test_flower.py::test_flower_refuses_requests_without_
credentials), and no role of compose's ACL may FLUSHALL, FLUSHDB, CONFIG, EVAL, KEYS or
SHUTDOWN (tests/unit/test_compose.py::test_no_role_may_flush_reconfigure_or_eval). The test
below adds what those leave open: a script smuggled in through SCRIPT LOAD and EVALSHA (which
the worker's user keeps, for kombu), and the other commands that destroy or expose data.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from support.processes import SEALQ
from support.services import AclRedis

from schemas.constants import EXIT_CONFIG
from schemas.keyfile import init_key_file

pytestmark = pytest.mark.integration


@pytest.mark.timeout(120)
@pytest.mark.parametrize("mode", [0o644, 0o640], ids=["0644", "0640"])
@pytest.mark.parametrize("command", ["worker", "beat"])
def test_loose_key_file_is_refused_at_start(tmp_path: Path, command: str, mode: int) -> None:
    """A group- or world-readable key file: exit 2 with one line saying how to fix it."""
    keys = tmp_path / "keys.json"
    init_key_file(keys)
    keys.chmod(mode)
    key_material = keys.read_text()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SEALQ_")},
           "SEALQ_DATABASE_URL": f"sqlite:///{tmp_path / 'absent.db'}",
           "SEALQ_BROKER_URL": "redis://127.0.0.1:1/0", "SEALQ_KEYS_FILE": str(keys),
           "TMPDIR": str(tmp_path)}
    done = subprocess.run([*SEALQ, command], env=env, capture_output=True, text=True,
                          timeout=100)
    assert done.returncode == EXIT_CONFIG, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0] == (f"sealq: key file {keys} is readable by group or others "
                        f"(mode {mode:04o}); run `chmod 600 {keys}`")
    assert done.stdout == ""
    assert not any(line in done.stderr for line in key_material.splitlines()
                   if '"key"' in line), "key material in the message"


@pytest.fixture
def acl_redis(tmp_path: Path) -> Iterator[AclRedis]:
    """A private Redis loaded with compose's ACL (plus the test's admin user)."""
    server = AclRedis(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()


# Each refused with NOPERM for the worker's user (DEBUG is off server-wide: not an ACL matter).
FORBIDDEN = [
    ["FLUSHALL"], ["FLUSHALL", "ASYNC"], ["FLUSHDB"], ["CONFIG", "SET", "appendonly", "yes"],
    ["CONFIG", "GET", "requirepass"], ["CONFIG", "REWRITE"], ["EVAL", "return 1", "0"],
    ["EVAL_RO", "return 1", "0"], ["FUNCTION", "LIST"], ["FCALL", "f", "0"],
    ["SCRIPT", "FLUSH"], ["MODULE", "LIST"], ["SHUTDOWN", "NOSAVE"],
    ["ACL", "SETUSER", "mallory", "on", ">pw", "+@all", "~*"], ["ACL", "LIST"],
    ["ACL", "GETUSER", "worker"], ["REPLICAOF", "127.0.0.1", "1"], ["SLAVEOF", "NO", "ONE"],
    ["SAVE"], ["BGSAVE"], ["BGREWRITEAOF"], ["MONITOR"], ["CLIENT", "LIST"],
    ["CLIENT", "KILL", "TYPE", "normal"], ["SWAPDB", "0", "1"], ["KEYS", "*"],
    ["MIGRATE", "127.0.0.1", "1", "sentinel", "0", "1000"], ["SYNC"], ["PSYNC", "?", "-1"],
]


# What Redis answers when a script calls a command its caller may not run (or no script may).
SCRIPT_REFUSED = r"can't run this command|not allowed from script"


@pytest.mark.timeout(60)
def test_worker_user_cannot_flush_reconfigure_or_smuggle_a_script(acl_redis: AclRedis) -> None:
    """As the worker: FLUSHALL, CONFIG, EVAL and their kin are NOPERM, also from a loaded script."""
    admin = acl_redis.admin()
    admin.set("sentinel", "still here")
    worker = redis.Redis.from_url(acl_redis.url("worker"))
    try:
        refused = []
        for command in FORBIDDEN:
            with pytest.raises(redis.exceptions.NoPermissionError):
                worker.execute_command(*command)
            refused.append(command[0])
        # SCRIPT LOAD and EVALSHA stay allowed (kombu needs them), but a script runs with the
        # caller's rights: the FLUSHALL or CONFIG inside it is refused all the same.
        for body in ("return redis.call('FLUSHALL')",
                     "return redis.call('CONFIG', 'SET', 'appendonly', 'yes')",
                     "return redis.call('SHUTDOWN', 'NOSAVE')"):
            sha = worker.script_load(body)
            with pytest.raises(redis.exceptions.ResponseError, match=SCRIPT_REFUSED):
                worker.evalsha(sha, 0)
        assert worker.get("sentinel") == b"still here"  # the worker's own rights still work
        assert len(refused) == len(FORBIDDEN)
        assert admin.config_get("appendonly") == {"appendonly": "no"}
    finally:
        worker.close()
        admin.close()
