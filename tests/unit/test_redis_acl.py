"""compose's Redis ACL: no wildcard for anyone, scripts pinned, and the real processes work.

The template is rendered as make-secrets.sh renders it; the integration tests load it into a
throw-away redis-server and run a sealq worker, Flower, the dispatcher's publisher (as beat),
the gateway's rate limiter and the exporter through it, each as its own user. The refusals
are in tests/reliability/test_access.py.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import kombu.transport.redis as kombu_redis
import pytest
import redis
import redis.lock
from limits.storage import RedisStorage
from support.services import ROLES, AclRedis, free_port, render_acl

ROOT = Path(__file__).resolve().parents[2]


# --- the ACL file --------------------------------------------------------------------------

# The scripts whose hashes the ACL lets roles EVALSHA: kombu's binding refresh and sweep, and
# redis-py's lock release (kombu's unacked mutex). Their text is fixed by the pinned versions.
SCRIPTS = {"kombu REFRESH_BINDING": kombu_redis.REFRESH_BINDING,
           "kombu SWEEP_BINDINGS": kombu_redis.SWEEP_BINDINGS,
           "redis-py Lock.LUA_RELEASE_SCRIPT": redis.lock.Lock.LUA_RELEASE_SCRIPT}
# The gateway's: the `limits` library's sliding-window counter (read, and count one hit).
GATEWAY_SCRIPTS = {name: script if isinstance(script, str) else script.decode()
                   for name, script in (
                       ("limits sliding_window", RedisStorage.SCRIPT_SLIDING_WINDOW),
                       ("limits acquire_sliding_window",
                        RedisStorage.SCRIPT_ACQUIRE_SLIDING_WINDOW))}


def acl_users() -> dict[str, list[str]]:
    """The rendered ACL's rules, by user."""
    rendered = render_acl({role: f"{role}-password" for role in ROLES})
    return {line.split()[1]: line.split()[2:] for line in rendered.splitlines()}


def test_acl_template_defines_every_role_and_disables_the_default_user() -> None:
    """One ACL user per role, passwords only as hashes, the default user off."""
    rendered = render_acl({role: f"{role}-password" for role in ROLES})
    users = acl_users()
    assert set(users) == {*ROLES, "default", "healthcheck"}
    assert users["default"] == ["off"]
    assert "${" not in rendered and "password" not in rendered


def test_every_acl_user_starts_from_nothing_and_gets_no_wildcard() -> None:
    """Each user resets keys and channels and drops every command before adding its own; no
    user holds every key, every channel, every command or a whole dangerous category."""
    for user, rules in acl_users().items():
        if user == "default":
            continue
        assert rules[0] == "on" and (rules[1] == "nopass" or rules[1].startswith("#")), user
        assert rules[2:5] == ["resetkeys", "resetchannels", "-@all"], user
        tokens = {rule.strip("()") for rule in rules}
        for wide in ("~*", "&*", "%R~*", "%W~*", "%RW~*", "allkeys", "allchannels",
                     "allcommands", "+@all", "+@dangerous", "+@admin", "+@scripting",
                     "+@keyspace", "+eval", "+evalsha", "+script", "+keys", "+flushall",
                     "+flushdb", "+config", "+debug", "+acl"):
            assert wide not in tokens, (user, wide)


def test_evalsha_is_allowed_only_for_the_pinned_scripts() -> None:
    """+evalsha|<sha1> names exactly kombu's and redis-py's scripts of the installed (pinned)
    versions: an upgrade that changes a script fails here, not in production."""
    expected = {hashlib.sha1(text.encode()).hexdigest() for text in SCRIPTS.values()}  # noqa: S324  # Redis names scripts by SHA-1
    gateway = {hashlib.sha1(text.encode()).hexdigest() for text in GATEWAY_SCRIPTS.values()}  # noqa: S324  # Redis names scripts by SHA-1
    for user, rules in acl_users().items():
        allowed = {rule.split("|", 1)[1] for rule in rules if rule.startswith("+evalsha|")}
        if user == "api":
            assert allowed == gateway, (user, allowed ^ gateway)
            continue
        assert allowed <= expected, (user, allowed - expected)
        if user in ("worker", "beat"):
            assert allowed == expected, user
    assert {rule for rule in acl_users()["flower"] if rule.startswith("+evalsha|")}


@pytest.mark.integration
@pytest.mark.timeout(240)
def test_every_role_does_its_job_through_the_acl(tmp_path: Path) -> None:
    """A sealq worker consumes, Flower watches and inspects, the dispatcher's publisher (as
    beat) publishes and the exporter counts, each as its ACL user; Redis refuses none of them
    anything."""
    from workers.lifecycle.publisher import Publisher
    from workers.ops.facts import broker_client, read_broker

    server = AclRedis(tmp_path / "redis")
    server.start()
    worker_log, flower_log = tmp_path / "worker.log", tmp_path / "flower.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")])}
    flower_port = free_port()
    with worker_log.open("wb") as out_w, flower_log.open("wb") as out_f:
        worker = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "support" / "celery_worker.py"), "sealq@acl",
             "sealq"], stdout=out_w, stderr=subprocess.STDOUT,
            env={**env, "SEALQ_BROKER_URL": server.url("worker")})
        flower = subprocess.Popen(
            [sys.executable, "-m", "producer", "flower", "--port", str(flower_port)],
            stdout=out_f, stderr=subprocess.STDOUT,
            env={**env, "SEALQ_BROKER_URL": server.url("flower"),
                 "SEALQ_FLOWER_BASIC_AUTH": "ops:correct-horse-battery"})
    try:
        deadline = time.monotonic() + 60
        while " ready." not in worker_log.read_text():
            assert worker.poll() is None and time.monotonic() < deadline, worker_log.read_text()
            time.sleep(0.5)
        auth = "Basic b3BzOmNvcnJlY3QtaG9yc2UtYmF0dGVyeQ=="
        # Flower only sees events sent after it subscribed; refresh=1 also inspects (stats).
        workers = urllib.request.Request(f"http://127.0.0.1:{flower_port}/api/workers?refresh=1")
        workers.add_header("Authorization", auth)
        while True:
            assert time.monotonic() < deadline + 60, flower_log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(workers, timeout=10) as response:  # noqa: S310
                    answer = response.read()
                    if b"sealq@acl" in answer and b"active_queues" in answer:
                        break
            except OSError:
                pass
            time.sleep(0.5)
        publisher = Publisher(server.url("beat"))
        assert publisher.publish([uuid.uuid4().hex for _ in range(3)], queue="sealq") == 3
        publisher.close()
        request = urllib.request.Request(f"http://127.0.0.1:{flower_port}/api/tasks")
        request.add_header("Authorization", auth)
        seen = 0
        while seen < 3:
            assert time.monotonic() < deadline + 120, flower_log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                    seen = response.read().count(b'"SUCCESS"')
            except OSError:
                pass
            time.sleep(0.5)
        facts = read_broker(broker_client(server.url("exporter"), timeout=2), ["sealq"])
        assert facts.depths == {"sealq": 0} and facts.unacked == 0
        admin = server.admin()
        refusals = admin.acl_log()
        admin.close()
        assert refusals == []
    finally:
        for process in (worker, flower):
            process.terminate()
            process.wait(timeout=30)
        server.stop()
    for log in (worker_log, flower_log):
        assert "NOPERM" not in log.read_text() and "NoPermission" not in log.read_text(), \
            log.read_text()[-3000:]


def test_producer_and_api_have_no_queue_rights() -> None:
    """Neither the producer nor the gateway publishes (jobs wait in the database): their users
    name no task queue, no kombu binding and no list command; the producer no key at all."""
    users = acl_users()
    for user in ("producer", "api"):
        tokens = {rule.strip("()") for rule in users[user]}
        assert not {t for t in tokens if t.startswith(("~", "%", "&")) and t != "~gateway:*"}, \
            (user, tokens)
        assert not tokens & {"+lpush", "+rpush", "+llen", "+sadd", "+smembers", "+multi",
                             "+exec", "+publish"}, (user, tokens)
    assert not {t for t in users["producer"] if t.startswith(("~", "%", "&", "+evalsha"))}


@pytest.mark.integration
@pytest.mark.timeout(120)
def test_only_beat_publishes_generate_messages(tmp_path: Path) -> None:
    """The dispatcher's Publisher connecting as beat publishes without one refusal; as the
    producer or the gateway it is refused (BrokerUnavailable) and the queue stays as it was."""
    from schemas.errors import BrokerUnavailable
    from workers.lifecycle.publisher import Publisher

    server = AclRedis(tmp_path / "redis")
    server.start()
    try:
        admin = server.admin()
        beat = Publisher(server.url("beat"))
        try:
            assert beat.publish([uuid.uuid4().hex for _ in range(3)], queue="sealq") == 3
        finally:
            beat.close()
        assert admin.llen("sealq") == 3
        assert admin.acl_log() == []
        for role in ("producer", "api"):
            publisher = Publisher(server.url(role))
            try:
                with pytest.raises(BrokerUnavailable, match="ACL"):
                    publisher.publish([uuid.uuid4().hex], queue="sealq")
            finally:
                publisher.close()
        assert admin.llen("sealq") == 3
        refused = {entry["username"] for entry in admin.acl_log()}
        assert refused == {"producer", "api"}
        producer = redis.Redis.from_url(server.url("producer"))
        assert producer.ping()
        producer.close()
        admin.close()
    finally:
        server.stop()


@pytest.mark.integration
def test_the_gateway_counts_rates_through_the_acl_and_nothing_else(tmp_path: Path) -> None:
    """As `api`, the rate limiter works (its scripts, its keys); its own script, another key
    or another command is refused, and Redis logs no refusal of the limiter's calls."""
    from producer.api.limiter import RateLimiter
    from schemas.errors import LimitExceeded

    server = AclRedis(tmp_path / "redis")
    server.start()
    try:
        limiter = RateLimiter(server.url("api"))
        try:
            for _ in range(3):
                limiter.hit("acme", 3)
            with pytest.raises(LimitExceeded):
                limiter.hit("acme", 3)
        finally:
            limiter.close()
        admin = server.admin()
        assert admin.acl_log() == []
        assert admin.keys("gateway:ratelimit:*"), "the counters live where the ACL says"
        api = redis.Redis.from_url(server.url("api"))
        for attempt in (lambda: api.eval("return 1", 1, "gateway:x"),
                        lambda: api.evalsha(api.script_load("return 1"), 1, "gateway:x"),
                        lambda: api.get("sealq"), lambda: api.set("other", 1),
                        lambda: api.flushall(), lambda: api.keys("*")):
            with pytest.raises(redis.exceptions.NoPermissionError):
                attempt()
        api.close()
        admin.close()
    finally:
        server.stop()
