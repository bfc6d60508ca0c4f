"""The compose deployment: valid for docker-compose, hardened, and its Redis ACL really works.

`docker-compose config` (Debian's docker-compose 1.29) validates and normalises the file; the
hardening is asserted on that normalised output. The ACL test loads the rendered ACL file into
a throw-away redis-server and runs sealq's real producer, a Celery worker and Flower through it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import kombu.transport.redis as kombu_redis
import pytest
import redis
import redis.lock
import yaml
from support.services import ROLES, AclRedis, free_port, render_acl

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose"
SEALQ_SERVICES = ("migrate", "worker", "beat", "flower", "exporter")
HARDENED_SERVICES = ("redis", "postgres", "keystore-db", *SEALQ_SERVICES)


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    """The compose file as `docker-compose config` normalises it."""
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is missing: apt-get install -y docker-compose", pytrace=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEALQ_")}
    done = subprocess.run([binary, "-f", str(COMPOSE / "docker-compose.yml"), "config"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, f"docker-compose config refused the file:\n{done.stderr}"
    loaded: dict[str, Any] = yaml.safe_load(done.stdout)
    return loaded


def test_compose_file_is_valid(config: dict[str, Any]) -> None:
    """docker-compose accepts the file and it defines every service sealq needs."""
    assert set(HARDENED_SERVICES) <= set(config["services"])


@pytest.mark.parametrize("service", HARDENED_SERVICES)
def test_services_are_read_only_without_capabilities_or_privilege_gain(
        config: dict[str, Any], service: str) -> None:
    """Every service: read-only root, all capabilities dropped, no-new-privileges."""
    spec = config["services"][service]
    assert spec["read_only"] is True
    assert spec["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in spec["security_opt"]


@pytest.mark.parametrize("service", SEALQ_SERVICES)
def test_sealq_services_run_as_non_root_with_a_tmpfs(config: dict[str, Any], service: str) -> None:
    """sealq's containers run as uid 10001, add no capability, and write only to tmpfs."""
    spec = config["services"][service]
    assert spec["user"].split(":")[0] == "10001"
    assert "cap_add" not in spec
    assert any(mount.split(":")[0] == "/tmp" for mount in spec["tmpfs"])


def test_workers_have_a_gpu_no_route_out_and_a_read_only_model_cache(
        config: dict[str, Any]) -> None:
    """GPU reserved, only internal networks, model cache read-only, scratch on tmpfs."""
    worker = config["services"]["worker"]
    devices = worker["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]
    for network in worker["networks"]:
        assert config["networks"][network].get("internal") is True, network
    # docker-compose 1.29 prints volumes as source:target:mode.
    assert [v for v in worker["volumes"] if v.split(":")[1] == "/models"] == ["models:/models:ro"]
    assert any(mount.split(":")[0] == "/scratch" for mount in worker["tmpfs"])
    assert worker["environment"]["HF_HUB_OFFLINE"] == "1"
    assert "ports" not in worker


def test_only_flower_and_the_exporter_publish_ports_and_only_on_loopback(
        config: dict[str, Any]) -> None:
    """Published ports are Flower's and the exporter's, bound to 127.0.0.1."""
    published = {name: spec["ports"] for name, spec in config["services"].items()
                 if spec.get("ports")}
    assert set(published) == {"flower", "exporter"}
    for ports in published.values():
        # host_ip:published:target/protocol
        assert all(str(port).startswith("127.0.0.1:") for port in ports), ports


def test_redis_refuses_to_evict_and_loads_the_acl_from_a_secret(config: dict[str, Any]) -> None:
    """Redis: maxmemory-policy noeviction, users from the mounted ACL secret."""
    command = config["services"]["redis"]["command"]
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert command[command.index("--aclfile") + 1] == "/run/secrets/redis_acl"
    assert "redis_acl" in {s["source"] for s in config["services"]["redis"]["secrets"]}


def test_no_secret_is_written_in_the_compose_environment(config: dict[str, Any]) -> None:
    """Passwords and URLs with credentials come from secret files, never the environment."""
    for name, spec in config["services"].items():
        for variable, value in (spec.get("environment") or {}).items():
            assert not re.search(r"://[^/\s]*:[^/\s]*@", str(value or "")), (name, variable)
            assert "PASSWORD" not in variable or variable.endswith("_FILE"), (name, variable)
    for service in ("postgres", "keystore-db"):
        environment = config["services"][service]["environment"]
        assert environment["POSTGRES_PASSWORD_FILE"].startswith("/run/secrets/")


def test_flower_and_exporter_get_no_key_file(config: dict[str, Any]) -> None:
    """Flower and the exporter read the broker and database only: no master key mounted."""
    for service in ("flower", "exporter"):
        sources = {s["source"] for s in config["services"][service]["secrets"]}
        assert "sealq_keys" not in sources, service


def test_secrets_folder_is_ignored_by_git() -> None:
    """compose/secrets/ is never committed."""
    done = subprocess.run(["git", "check-ignore", "-q", "compose/secrets/worker.env"],
                          cwd=ROOT, timeout=30, check=False)
    assert done.returncode == 0


# --- the ACL file --------------------------------------------------------------------------

# The scripts whose hashes the ACL lets roles EVALSHA: kombu's binding refresh and sweep, and
# redis-py's lock release (kombu's unacked mutex). Their text is fixed by the pinned versions.
SCRIPTS = {"kombu REFRESH_BINDING": kombu_redis.REFRESH_BINDING,
           "kombu SWEEP_BINDINGS": kombu_redis.SWEEP_BINDINGS,
           "redis-py Lock.LUA_RELEASE_SCRIPT": redis.lock.Lock.LUA_RELEASE_SCRIPT}


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
    for user, rules in acl_users().items():
        allowed = {rule.split("|", 1)[1] for rule in rules if rule.startswith("+evalsha|")}
        assert allowed <= expected, (user, allowed - expected)
        if user in ("worker", "beat"):
            assert allowed == expected, user
    assert {rule for rule in acl_users()["flower"] if rule.startswith("+evalsha|")}


@pytest.mark.integration
@pytest.mark.timeout(240)
def test_every_role_does_its_job_through_the_acl(tmp_path: Path) -> None:
    """A sealq worker consumes, Flower watches and inspects, the producer publishes and the
    exporter counts, each as its ACL user; Redis refuses none of them anything."""
    from producer.broker import Enqueuer
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
        enqueuer = Enqueuer(server.url("producer"))
        assert enqueuer.enqueue([uuid.uuid4().hex for _ in range(3)], queue="sealq") == 3
        enqueuer.close()
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


EXPORTED = {
    "sealq_exporter_up", "sealq_exporter_snapshot_age_seconds", "sealq_queue_depth",
    "sealq_broker_unacked_messages", "sealq_jobs", "sealq_oldest_queued_job_age_seconds",
    "sealq_jobs_erased_total", "sealq_policy_decisions_recent", "sealq_engine_up",
    "sealq_engine_running_requests", "sealq_engine_waiting_requests",
    "sealq_engine_kv_cache_usage_ratio", "sealq_engine_generation_tokens_total",
    "sealq_worker_jobs_finished_total", "sealq_jobs_ended_total",
}


def test_alert_rules_use_only_metrics_sealq_exports() -> None:
    """Every alert in compose/alerts.yml names metrics the exporter or the workers serve."""
    rules = yaml.safe_load((COMPOSE / "alerts.yml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            used = set(re.findall(r"\bsealq_[a-z_]+", rule["expr"]))
            # `up` is Prometheus's own series for the scrape targets.
            assert (used or "up{" in rule["expr"]) and used <= EXPORTED, (
                rule.get("alert") or rule["record"], used)
