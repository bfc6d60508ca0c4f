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
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose"
SEALQ_SERVICES = ("migrate", "worker", "beat", "flower", "exporter")
HARDENED_SERVICES = ("redis", "postgres", "keystore-db", *SEALQ_SERVICES)
ROLES = ("producer", "api", "worker", "beat", "flower", "exporter")


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


def render_acl(passwords: dict[str, str]) -> str:
    """What make-secrets.sh writes: hashes in place of placeholders, comments dropped."""
    text = (COMPOSE / "redis" / "users.acl.template").read_text()
    for role, password in passwords.items():
        digest = hashlib.sha256(password.encode()).hexdigest()
        text = text.replace(f"${{{role.upper()}_SHA256}}", digest)
    return "".join(line + "\n" for line in text.splitlines()
                   if line.strip() and not line.startswith("#"))


def test_acl_template_defines_every_role_and_disables_the_default_user() -> None:
    """One ACL user per role, passwords only as hashes, the default user off."""
    rendered = render_acl({role: f"{role}-password" for role in ROLES})
    users = {line.split()[1]: line for line in rendered.splitlines()}
    assert set(ROLES) <= set(users)
    assert users["default"].split()[2] == "off"
    assert "${" not in rendered and "password" not in rendered
    worker_rules = users["worker"].split()
    for command in ("-flushall", "-flushdb", "-config", "-eval", "-@dangerous"):
        assert command in worker_rules


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def acl_redis(tmp_path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """A private redis-server loaded with the rendered ACL; yields its port and passwords."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: apt-get install -y redis-server", pytrace=False)
    passwords = {role: uuid.uuid4().hex for role in ROLES}
    acl = tmp_path / "users.acl"
    acl.write_text(render_acl(passwords))
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--aclfile", str(acl),
                                "--maxmemory-policy", "noeviction"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    out = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"redis-server refused the ACL file:\n{out}", pytrace=False)
                time.sleep(0.1)
        yield port, passwords
    finally:
        process.terminate()
        process.wait(timeout=10)


def url(port: int, role: str, passwords: dict[str, str]) -> str:
    """The broker URL of one role."""
    return f"redis://{role}:{passwords[role]}@127.0.0.1:{port}/0"


@pytest.mark.integration
@pytest.mark.parametrize("role", ["worker", "producer", "beat", "flower", "exporter"])
def test_no_role_may_flush_reconfigure_or_eval(
        acl_redis: tuple[int, dict[str, str]], role: str) -> None:
    """Loaded into a real Redis, no role may FLUSHALL, FLUSHDB, CONFIG, EVAL or KEYS."""
    port, passwords = acl_redis
    client = redis.Redis.from_url(url(port, role, passwords))
    try:
        for command in (["FLUSHALL"], ["FLUSHDB"], ["CONFIG", "GET", "maxmemory"],
                        ["EVAL", "return 1", "0"], ["KEYS", "*"], ["SHUTDOWN"]):
            with pytest.raises(redis.exceptions.NoPermissionError):
                client.execute_command(*command)
    finally:
        client.close()
    anonymous = redis.Redis(port=port)
    with pytest.raises(redis.exceptions.AuthenticationError):
        anonymous.ping()
    anonymous.close()


@pytest.mark.integration
@pytest.mark.timeout(180)
def test_every_role_does_its_job_through_the_acl(
        acl_redis: tuple[int, dict[str, str]], tmp_path: Path) -> None:
    """Producer publishes, a Celery worker consumes, Flower watches, the exporter counts."""
    from producer.broker import Enqueuer
    from workers.ops.facts import broker_client, read_broker

    port, passwords = acl_redis
    app = tmp_path / "acl_worker_app.py"
    app.write_text(
        "import os\nfrom celery import Celery\nfrom schemas.messages import celery_config\n"
        "app = Celery('acl-test')\napp.conf.update(celery_config(os.environ['TEST_BROKER']))\n"
        "@app.task(name='sealq.generate', ignore_result=True)\n"
        "def generate(job_id):\n    return 'succeeded'\n")
    worker_log, flower_log = tmp_path / "worker.log", tmp_path / "flower.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    flower_port = free_port()
    with worker_log.open("wb") as out_w, flower_log.open("wb") as out_f:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "acl_worker_app", "worker", "-P", "threads",
             "-c", "2", "-Q", "sealq", "-E", "--hostname", "acl@%h", "--loglevel", "INFO"],
            cwd=tmp_path, stdout=out_w, stderr=subprocess.STDOUT,
            env={**env, "TEST_BROKER": url(port, "worker", passwords)})
        flower = subprocess.Popen(
            [sys.executable, "-m", "producer", "flower", "--port", str(flower_port)],
            stdout=out_f, stderr=subprocess.STDOUT,
            env={**env, "SEALQ_BROKER_URL": url(port, "flower", passwords),
                 "SEALQ_FLOWER_BASIC_AUTH": "ops:correct-horse-battery"})
    try:
        deadline = time.monotonic() + 60
        while " ready." not in worker_log.read_text():
            assert worker.poll() is None and time.monotonic() < deadline, worker_log.read_text()
            time.sleep(0.5)
        auth = "Basic b3BzOmNvcnJlY3QtaG9yc2UtYmF0dGVyeQ=="
        # Flower only sees events sent after it subscribed: wait until it knows the worker.
        workers = urllib.request.Request(f"http://127.0.0.1:{flower_port}/api/workers?refresh=1")
        workers.add_header("Authorization", auth)
        while True:
            assert time.monotonic() < deadline + 60, flower_log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(workers, timeout=5) as response:  # noqa: S310
                    if b"acl@" in response.read():
                        break
            except OSError:
                pass
            time.sleep(0.5)
        enqueuer = Enqueuer(url(port, "producer", passwords))
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
        facts = read_broker(broker_client(url(port, "exporter", passwords), timeout=2), ["sealq"])
        assert facts.depths == {"sealq": 0}
    finally:
        for process in (worker, flower):
            process.terminate()
            process.wait(timeout=30)
    for log in (worker_log, flower_log):
        assert "NOPERM" not in log.read_text() and "NoPermission" not in log.read_text(), \
            log.read_text()[-3000:]


EXPORTED = {
    "sealq_exporter_up", "sealq_exporter_snapshot_age_seconds", "sealq_queue_depth",
    "sealq_broker_unacked_messages", "sealq_jobs", "sealq_oldest_queued_job_age_seconds",
    "sealq_jobs_erased_total", "sealq_policy_decisions_recent", "sealq_engine_up",
    "sealq_engine_running_requests", "sealq_engine_waiting_requests",
    "sealq_engine_kv_cache_usage_ratio", "sealq_engine_generation_tokens_total",
    "sealq_worker_jobs_finished_total",
}


def test_alert_rules_use_only_metrics_sealq_exports() -> None:
    """Every alert in compose/alerts.yml names metrics the exporter or the workers serve."""
    rules = yaml.safe_load((COMPOSE / "alerts.yml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            used = set(re.findall(r"\bsealq_[a-z_]+", rule["expr"]))
            assert used and used <= EXPORTED, (rule.get("alert") or rule["record"], used)
