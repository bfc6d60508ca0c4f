"""Access: loose key files stop sealq at start; each Redis user stays in its lane.

Every refusal is checked on a real redis-server loaded with compose's rendered ACL: the
commands that destroy or expose data, keys and channels outside each role's patterns, scripts
of one's own (SCRIPT LOAD then EVALSHA), and remote-control broadcasts. A busy script can be
killed by the ops user. Already proved elsewhere: Flower answers 401 without credentials
(tests/integration/test_flower.py); the real processes work through this ACL
(tests/unit/test_redis_acl.py and the reliability fleet); the PostgreSQL users' grants
(tests/integration/test_db_roles.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery import Celery
from support.processes import SEALQ
from support.services import ROLES, AclRedis

from schemas.constants import EXIT_CONFIG
from schemas.keyfile import init_key_file
from workers.lifecycle.publisher import Publisher
from workers.ops.flower import flower_config

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


# Refused with NOPERM for every role (DEBUG is off server-wide: not an ACL matter).
FORBIDDEN = [
    ["FLUSHALL"], ["FLUSHALL", "ASYNC"], ["FLUSHDB"], ["CONFIG", "SET", "appendonly", "yes"],
    ["CONFIG", "GET", "requirepass"], ["CONFIG", "REWRITE"], ["EVAL", "return 1", "0"],
    ["EVAL_RO", "return 1", "0"], ["FUNCTION", "LIST"], ["FCALL", "f", "0"],
    ["SCRIPT", "FLUSH"], ["MODULE", "LIST"], ["SHUTDOWN", "NOSAVE"],
    ["ACL", "SETUSER", "mallory", "on", ">pw", "+@all", "~*"], ["ACL", "LIST"],
    ["ACL", "GETUSER", "worker"], ["REPLICAOF", "127.0.0.1", "1"], ["SLAVEOF", "NO", "ONE"],
    ["SAVE"], ["BGSAVE"], ["BGREWRITEAOF"], ["MONITOR"], ["CLIENT", "KILL", "TYPE", "normal"],
    ["SWAPDB", "0", "1"], ["KEYS", "*"], ["SCAN", "0"], ["RANDOMKEY"], ["SELECT", "1"],
    ["MIGRATE", "127.0.0.1", "1", "sentinel", "0", "1000"], ["SYNC"], ["PSYNC", "?", "-1"],
    ["OBJECT", "ENCODING", "sealq"], ["GET", "sentinel"],
    ["SET", "sentinel", "gone"], ["RENAME", "sealq", "stolen"], ["EXPIRE", "sealq", "1"],
    ["SUBSCRIBE", "/0.elsewhere"], ["PSUBSCRIBE", "*"], ["PUBLISH", "/0.elsewhere", "x"],
]

PIDBOX = "/0.celery.pidbox"
# Refused per role on top of FORBIDDEN: each a way out of that role's lane.
OUT_OF_LANE = {
    # Producers never use Redis: not even the queue they once published to.
    "producer": [["LPUSH", "sealq", "m"], ["LLEN", "sealq"], ["MULTI"],
                 ["SADD", "_kombu.binding.sealq", "b"], ["LRANGE", "sealq", "0", "-1"],
                 ["RPOP", "sealq"], ["DEL", "sealq"], ["HGETALL", "unacked"],
                 ["HDEL", "unacked", "x"], ["PUBLISH", PIDBOX, "x"],
                 ["PUBLISH", "/0.celeryev/task.multi", "x"], ["SADD", "_kombu.binding.x", "y"],
                 ["SCRIPT", "LOAD", "return 1"], ["INCR", "gateway:x"],
                 ["GET", "gateway:ratelimit:acme"]],
    # SCRIPT LOAD is allowed (a restarted Redis gets the limiter's scripts back), but running
    # any script other than the limiter's two is not. No job is published from here.
    "api": [["LPUSH", "sealq", "m"], ["LLEN", "sealq"], ["MULTI"],
            ["SADD", "_kombu.binding.sealq", "b"], ["LRANGE", "sealq", "0", "-1"],
            ["DEL", "sealq"], ["INCR", "sealq"],
            ["LPUSH", "gateway:x", "y"], ["GET", "unacked"], ["PUBLISH", PIDBOX, "x"],
            ["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "1", "gateway:x"],
            ["INCR", "gateway:x"], ["DEL", "gateway:x"]],
    "worker": [["DEL", "sealq"], ["DEL", "sealq.maintenance"], ["UNLINK", "sealq"],
               ["LRANGE", "sealq", "0", "-1"], ["HGETALL", "unacked"], ["LTRIM", "sealq", "0", "0"],
               ["PUBLISH", PIDBOX, "x"], ["SUBSCRIBE", PIDBOX], ["PSUBSCRIBE", "/0.celeryev/*"],
               ["INCR", "gateway:x"], ["SET", "gateway:x", "y"]],
    "beat": [["DEL", "sealq"], ["UNLINK", "sealq"], ["LTRIM", "sealq", "0", "0"],
             ["PUBLISH", PIDBOX, "x"], ["INCR", "gateway:x"], ["HGETALL", "unacked"]],
    "flower": [["LPUSH", "sealq", "x"], ["RPOP", "sealq"], ["BRPOP", "sealq", "1"],
               ["DEL", "sealq"], ["LRANGE", "sealq", "0", "-1"], ["HGETALL", "unacked"],
               ["HSET", "unacked", "a", "b"], ["SET", "unacked_mutex", "x"],
               ["PUBLISH", "/0.celeryev/task.multi", "x"], ["INCR", "gateway:x"]],
    "exporter": [["LPUSH", "sealq", "x"], ["LRANGE", "sealq", "0", "-1"], ["DEL", "sealq"],
                 ["LLEN", "gateway:x"], ["HGETALL", "unacked"], ["PUBLISH", PIDBOX, "x"],
                 ["SUBSCRIBE", "/0.celeryev/task.multi"], ["SCRIPT", "LOAD", "return 1"]],
    "ops": [["GET", "sealq"], ["LLEN", "sealq"], ["PUBLISH", PIDBOX, "x"],
            ["SUBSCRIBE", PIDBOX], ["SCRIPT", "LOAD", "return 1"]],
}
# What each role must still be allowed, so the refusals above are not the ACL refusing all.
IN_LANE = {
    "producer": [["PING"]],
    "api": [["INCRBY", "gateway:ratelimit:acme", "1"],
            ["PTTL", "gateway:ratelimit:acme"], ["GET", "gateway:ratelimit:acme"],
            ["SCRIPT", "LOAD", "return 1"]],
    "worker": [["LLEN", "sealq"], ["HSET", "unacked", "t", "m"], ["HDEL", "unacked", "t"],
               ["LPUSH", "ab.reply.celery.pidbox", "r"], ["DEL", "ab.reply.celery.pidbox"],
               ["PUBLISH", "/0.celeryev/worker.heartbeat", "e"]],
    "beat": [["LRANGE", "sealq", "0", "-1"], ["HSCAN", "unacked", "0"],
             ["ZSCORE", "unacked_index", "t"], ["LPUSH", "sealq.maintenance", "m"],
             ["LPUSH", "sealq", "m"], ["SADD", "_kombu.binding.sealq", "b"]],
    "flower": [["LLEN", "sealq"], ["PUBLISH", PIDBOX, "x"], ["DEL", "ab.reply.celery.pidbox"]],
    "exporter": [["LLEN", "sealq"], ["HLEN", "unacked"]],
    "ops": [["PING"], ["ACL", "LOG"], ["INFO", "clients"]],
}
# What Redis answers when a script calls a command its caller may not run (or no script may).
SCRIPT_REFUSED = (r"can't run this command|not allowed from script"
                  r"|can't access at least one of the keys")


def connect(server: AclRedis, role: str) -> redis.Redis:
    """A client logged in as a role."""
    return redis.Redis.from_url(server.url(role), socket_timeout=10)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_refused_outside_its_lane(acl_redis: AclRedis, role: str) -> None:
    """Flush, config, scripts, other keys and channels: NOPERM; its own work still allowed."""
    admin = acl_redis.admin()
    admin.set("sentinel", "still here")
    admin.rpush("sealq", "message")
    client = connect(acl_redis, role)
    try:
        for command in FORBIDDEN + OUT_OF_LANE[role]:
            with pytest.raises(redis.exceptions.NoPermissionError):
                client.execute_command(*command)
        for command in IN_LANE[role]:
            client.execute_command(*command)
        assert admin.get("sentinel") == b"still here"
        assert admin.lrange("sealq", -1, -1) == [b"message"]
        assert admin.config_get("appendonly") == {"appendonly": "no"}
    finally:
        client.close()
        admin.close()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("role", ["worker", "beat", "flower"])
def test_a_loaded_script_of_ones_own_is_refused(acl_redis: AclRedis, role: str) -> None:
    """SCRIPT LOAD is kept for kombu, but EVALSHA runs only kombu's and redis-py's scripts:
    an endless loop or a FLUSHALL loaded by a role never runs."""
    client = connect(acl_redis, role)
    try:
        for body in ("while true do end", "return redis.call('FLUSHALL')",
                     "return redis.call('CONFIG', 'SET', 'appendonly', 'yes')"):
            sha = client.script_load(body)
            with pytest.raises(redis.exceptions.NoPermissionError):
                client.evalsha(sha, 0)
    finally:
        client.close()


@pytest.mark.timeout(60)
def test_allowed_scripts_run_with_the_callers_rights_only(acl_redis: AclRedis) -> None:
    """kombu's binding sweep deletes keys it builds from its arguments; pointed at a task queue
    by a worker, the DEL inside it is refused and the queue stays."""
    from kombu.transport.redis import SWEEP_BINDINGS

    admin = acl_redis.admin()
    admin.rpush("sealq", "message")
    # An overdue "binding table" whose name, prefixed with "sea", is the task queue "sealq".
    admin.zadd("_kombu.binding_deadlines", {"lq": 0})
    worker = connect(acl_redis, "worker")
    try:
        sweep = worker.register_script(SWEEP_BINDINGS)
        with pytest.raises(redis.exceptions.ResponseError, match=SCRIPT_REFUSED):
            sweep(keys=["_kombu.binding_deadlines"], args=["sea", "_kombu.binding_permanent.",
                                                          10])
        assert admin.llen("sealq") == 1
    finally:
        worker.close()
        admin.close()


@pytest.mark.timeout(60)
def test_ops_user_kills_a_busy_script(acl_redis: AclRedis) -> None:
    """A script stuck in a loop makes Redis answer BUSY to everyone; `ops` kills it (SCRIPT
    KILL) and the roles work again."""
    admin = acl_redis.admin()
    ops = connect(acl_redis, "ops")
    ops.ping()  # logged in before Redis is busy
    worker = connect(acl_redis, "worker")
    outcome: list[BaseException] = []

    def spin() -> None:
        try:
            admin.eval("while true do end", 0)
        except redis.RedisError as e:
            outcome.append(e)

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                worker.ping()
            except redis.exceptions.BusyLoadingError:
                break
            except redis.exceptions.ResponseError as e:
                assert "BUSY" in str(e)
                break
            assert time.monotonic() < deadline, "the script never made Redis busy"
            time.sleep(0.05)
        assert ops.script_kill()
        spinner.join(timeout=10)
        assert outcome and "killed" in str(outcome[0]).lower()
        assert worker.ping()
    finally:
        spinner.join(timeout=10)
        for client in (admin, ops, worker):
            client.close()


@pytest.mark.timeout(180)
def test_remote_control_is_inspection_only(acl_redis: AclRedis, tmp_path: Path) -> None:
    """Only Flower may publish on the remote-control channel; a real sealq worker answers its
    inspection but ignores shutdown, cancel_consumer and pool_restart, and keeps consuming."""
    for role in ROLES:
        if role == "flower":
            continue
        client = connect(acl_redis, role)
        with pytest.raises(redis.exceptions.NoPermissionError):
            client.publish(PIDBOX, "{}")
        client.close()
    admin = acl_redis.admin()
    admin.acl_log_reset()  # those refusals were the test's; what follows must cause none
    admin.close()
    log_path = tmp_path / "worker.log"
    env = {**os.environ, "SEALQ_BROKER_URL": acl_redis.url("worker"),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]),
                                          os.environ.get("PYTHONPATH", "")])}
    script = Path(__file__).parents[1] / "support" / "celery_worker.py"
    with log_path.open("wb") as log:
        worker = subprocess.Popen([sys.executable, str(script), "sealq@guarded", "sealq"],
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
    flower = Celery("flower-test", set_as_current=False)
    flower.conf.update(flower_config(acl_redis.url("flower")))
    try:
        deadline = time.monotonic() + 90
        while " ready." not in log_path.read_text():
            assert worker.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.3)
        assert flower.control.inspect(timeout=5).ping() == {"sealq@guarded": {"ok": "pong"}}
        assert "sealq" in str(flower.control.inspect(timeout=5).active_queues())
        for command, arguments in (("shutdown", {}), ("cancel_consumer", {"queue": "sealq"}),
                                   ("pool_restart", {}), ("rate_limit", {
                                       "task_name": "sealq.generate", "rate_limit": "1/h"})):
            replies = flower.control.broadcast(command, arguments=arguments, reply=True,
                                               timeout=3)
            assert all("error" in next(iter(reply.values())) for reply in replies), replies
        time.sleep(2)
        assert worker.poll() is None, log_path.read_text()[-3000:]
        # Published as the dispatcher does, from `sealq beat` with beat's user.
        publisher = Publisher(acl_redis.url("beat"))
        assert publisher.publish([uuid.uuid4().hex for _ in range(3)], queue="sealq") == 3
        publisher.close()
        admin = acl_redis.admin()
        try:
            deadline = time.monotonic() + 60
            while admin.llen("sealq") or admin.hlen("unacked"):
                assert time.monotonic() < deadline, "the worker stopped consuming"
                time.sleep(0.3)
            assert admin.acl_log() == []
        finally:
            admin.close()
    finally:
        flower.close()
        worker.terminate()
        worker.wait(timeout=60)
    text = log_path.read_text()
    for command in ("shutdown", "cancel_consumer", "pool_restart", "rate_limit"):
        assert f"KeyError('{command}')" in text
    assert "NOPERM" not in text
