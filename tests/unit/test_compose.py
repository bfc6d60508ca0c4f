"""The compose deployment as a first start on a GPU host would meet it.

A copy of compose/ gets its secrets from make-secrets.sh (as an operator's first step), then
`docker-compose config` (Debian's docker-compose 1.29) validates and normalises the file; the
checks run on that output, and on the file as written where compose's own `environment:` must
be told apart from the env files it merges in.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.services import free_port

from schemas import constants
from schemas.grants import ROLE_SPECS
from schemas.ops_settings import ExporterSettings, FlowerSettings
from schemas.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose"
GPU_WORKERS = ("worker", *(f"worker-gpu{n}" for n in range(1, 8)))
SEALQ_SERVICES = ("migrate", *GPU_WORKERS, "beat", "flower", "exporter", "api", "models")
HARDENED_SERVICES = ("redis", "postgres", "keystore-db", "prometheus", *SEALQ_SERVICES)
# PostgreSQL keeps these for superusers beyond max_connections' reach (its default).
SUPERUSER_RESERVED = 3


@dataclass
class Deployment:
    """A compose/ copy after make-secrets.sh, and what docker-compose makes of it."""

    folder: Path
    config: dict[str, Any]  # `docker-compose config`
    written: dict[str, Any]  # the YAML as written (anchors resolved, env files not merged)

    def service(self, name: str) -> dict[str, Any]:
        """One service of the normalised config."""
        spec: dict[str, Any] = self.config["services"][name]
        return spec


def compose_config(folder: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """`docker-compose config` of a compose folder, parsed."""
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is missing: apt-get install -y docker-compose", pytrace=False)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SEALQ_", "COMPOSE_"))}
    done = subprocess.run([binary, "-f", str(folder / "docker-compose.yml"), "config"],
                          capture_output=True, text=True, env={**clean, **(env or {})},
                          timeout=60)
    assert done.returncode == 0, f"docker-compose config refused the file:\n{done.stderr}"
    loaded: dict[str, Any] = yaml.safe_load(done.stdout)
    return loaded


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """compose/ copied, secrets made by make-secrets.sh, then parsed by docker-compose."""
    folder = tmp_path_factory.mktemp("deploy") / "compose"
    shutil.copytree(COMPOSE, folder, ignore=shutil.ignore_patterns("secrets", "settings.env"))
    done = subprocess.run(["bash", str(folder / "make-secrets.sh")], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    yield Deployment(folder=folder, config=compose_config(folder),
                     written=yaml.safe_load((folder / "docker-compose.yml").read_text()))


def test_compose_file_is_valid(deployment: Deployment) -> None:
    """docker-compose accepts the file and it defines every service sealq needs."""
    assert set(HARDENED_SERVICES) <= set(deployment.config["services"])


@pytest.mark.parametrize("service", HARDENED_SERVICES)
def test_services_are_read_only_without_capabilities_or_privilege_gain(
        deployment: Deployment, service: str) -> None:
    """Every service: read-only root, all capabilities dropped, no-new-privileges."""
    spec = deployment.service(service)
    assert spec["read_only"] is True
    assert spec["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in spec["security_opt"]


@pytest.mark.parametrize("service", SEALQ_SERVICES)
def test_sealq_services_run_as_non_root_with_a_tmpfs(deployment: Deployment,
                                                     service: str) -> None:
    """sealq's containers run as uid 10001, add no capability, and write only to tmpfs."""
    spec = deployment.service(service)
    assert spec["user"].split(":")[0] == "10001"
    assert "cap_add" not in spec
    assert any(mount.split(":")[0] == "/tmp" for mount in spec["tmpfs"])


def test_each_gpu_has_its_own_worker_service(deployment: Deployment) -> None:
    """One worker service per GPU with its own device id (never --scale: every replica would
    get the same GPU); the extra ones start only with their profile."""
    devices = {}
    for name in GPU_WORKERS:
        (device,) = deployment.service(name)["deploy"]["resources"]["reservations"]["devices"]
        assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
        assert "count" not in device
        devices[name] = tuple(device["device_ids"])
    assert len(set(devices.values())) == len(GPU_WORKERS)
    assert devices["worker"] == ("0",)
    assert "profiles" not in deployment.service("worker")
    for n in range(1, 8):
        assert deployment.service(f"worker-gpu{n}")["profiles"] == [f"gpu{n}"]


@pytest.mark.parametrize("service", GPU_WORKERS)
def test_workers_compile_kernels_with_no_route_out(deployment: Deployment, service: str) -> None:
    """GPU image, CUDA asked for, only internal networks, model cache read-only, every kernel
    and compile cache on /scratch, which is a tmpfs mounted exec (Docker's default is noexec)."""
    worker = deployment.service(service)
    assert worker["image"].startswith("sealq-gpu:")
    assert worker["build"]["args"]["SEALQ_EXTRAS"] == "gpu"
    for network in worker["networks"]:
        assert deployment.config["networks"][network].get("internal") is True, network
    assert worker["networks"]["backend"]["aliases"] == ["sealq-workers"]
    assert [v for v in worker["volumes"] if v.split(":")[1] == "/models"] == ["models:/models:ro"]
    (scratch,) = [m for m in worker["tmpfs"] if m.split(":")[0] == "/scratch"]
    options = scratch.split(":", 1)[1].split(",")
    assert "exec" in options and "noexec" not in options
    environment = worker["environment"]
    for cache in ("TRITON_CACHE_DIR", "VLLM_CACHE_ROOT", "TORCHINDUCTOR_CACHE_DIR",
                  "XDG_CACHE_HOME", "HOME", "CUDA_CACHE_PATH"):
        assert environment[cache].startswith("/scratch"), cache
    assert environment["SEALQ_DEVICE"] == "cuda"
    assert environment["HF_HUB_OFFLINE"] == "1"
    assert "ports" not in worker


def test_images_are_tagged_by_what_they_contain(deployment: Deployment) -> None:
    """Services sharing an image tag build it the same way, so whichever builds first (the
    `models` set-up step) makes the image the workers need; models runs the GPU image."""
    builds: dict[str, dict[str, Any]] = {}
    for name, spec in deployment.config["services"].items():
        if "build" in spec:
            assert builds.setdefault(spec["image"], spec["build"]) == spec["build"], name
    assert deployment.service("models")["image"] == deployment.service("worker")["image"]
    assert deployment.service("migrate")["build"]["args"]["SEALQ_EXTRAS"] == ""


def test_models_downloads_what_the_workers_load_into_their_cache(deployment: Deployment) -> None:
    """`models` runs `sealq model download` with the workers' settings file, into the volume
    the workers read (writable by uid 10001: the image owns /models, see test_dockerfile)."""
    models, worker = deployment.service("models"), deployment.service("worker")
    assert models["command"] == ["model", "download"]
    assert models["volumes"] == ["models:/models:rw"]
    assert models["environment"]["HF_HOME"] == worker["environment"]["HF_HOME"]
    written = deployment.written["services"]
    assert written["models"]["env_file"] == written["worker"]["env_file"] == ["settings.env"]


def test_only_operator_views_publish_ports_and_only_on_loopback(deployment: Deployment) -> None:
    """Published ports are the gateway's (for the TLS proxy), Flower's, the exporter's and
    Prometheus', bound to 127.0.0.1: Redis and PostgreSQL are reachable from this host's
    containers only."""
    published = {name: spec["ports"] for name, spec in deployment.config["services"].items()
                 if spec.get("ports")}
    assert set(published) == {"api", "flower", "exporter", "prometheus"}
    for ports in published.values():
        assert all(str(port).startswith("127.0.0.1:") for port in ports), ports


def test_database_healthchecks_need_the_real_server(deployment: Deployment) -> None:
    """pg_isready over TCP: the image's init-time server (socket only) does not pass it, so
    migrate never starts against it; migrate also retries a database that is not up yet."""
    for service, user in (("postgres", "sealq"), ("keystore-db", "sealq_keys")):
        test = deployment.service(service)["healthcheck"]["test"]
        assert test[:2] == ["CMD", "pg_isready"]
        assert test[test.index("-h") + 1] == "127.0.0.1", test
        assert test[test.index("-U") + 1] == user
    command = deployment.service("migrate")["command"]
    assert command[:2] == ["db", "upgrade"] and int(command[command.index("--wait") + 1]) >= 60
    assert deployment.service("migrate")["depends_on"]["postgres"]["condition"] == \
        "service_healthy"


def _max_connections(command: list[str]) -> int:
    (setting,) = [arg for arg in command if arg.startswith("max_connections=")]
    return int(setting.split("=", 1)[1])


def test_max_connections_covers_every_pool(deployment: Deployment) -> None:
    """Job database: 8 GPU workers, beat and the gateway at SEALQ_DB_POOL_SIZE each, the
    exporter at its connection limit, migrate, and the superuser reserve fit max_connections;
    the key store likewise at its pool of KEY_STORE_POOL_SIZE."""
    settings = dict(line.split("=", 1) for line in
                    (deployment.folder / "settings.env").read_text().splitlines()
                    if line and not line.startswith("#"))
    pool = int(settings["SEALQ_DB_POOL_SIZE"])
    jobs = ((len(GPU_WORKERS) + 2) * pool + ROLE_SPECS["exporter"].connection_limit + 1
            + SUPERUSER_RESERVED)
    assert jobs <= _max_connections(deployment.service("postgres")["command"]), jobs
    keys = (len(GPU_WORKERS) + 2) * constants.KEY_STORE_POOL_SIZE + 1 + SUPERUSER_RESERVED
    assert keys <= _max_connections(deployment.service("keystore-db")["command"]), keys


def test_compose_sets_nothing_an_operator_sets(deployment: Deployment) -> None:
    """Compose's own `environment:` (which would win over the env files) holds no variable of
    settings.env: a model, queue or engine setting given there reaches every service."""
    settable = {line.split("=", 1)[0].lstrip("# ")
                for line in (COMPOSE / "settings.env.example").read_text().splitlines()
                if re.match(r"^#? ?SEALQ_[A-Z_]+=", line)}
    assert {"SEALQ_MODEL", "SEALQ_QUEUE", "SEALQ_TENSOR_PARALLEL_SIZE",
            "SEALQ_EXPORTER_QUEUES"} <= settable
    for name, spec in deployment.written["services"].items():
        if name in SEALQ_SERVICES:
            assert spec["env_file"] == ["settings.env"], name
            assert not settable & set(spec.get("environment") or {}), name


@pytest.mark.parametrize(("service", "loader"), [
    ("migrate", Settings), ("worker", Settings), ("beat", Settings),
    ("exporter", ExporterSettings), ("flower", FlowerSettings)])
def test_every_service_starts_with_valid_settings(deployment: Deployment, service: str,
                                                  loader: type[Any],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """settings.env, compose's environment and the service's secret env file together make
    settings that validate (the key file path is the mounted folder's)."""
    spec = deployment.service(service)
    for name in list(os.environ):
        if name.startswith(("SEALQ_", "FLOWER_")):
            monkeypatch.delenv(name)
    for name, value in spec["environment"].items():
        monkeypatch.setenv(name, str(value))
    (secret,) = [s["source"] for s in spec["secrets"] if s["source"].endswith("_env")]
    env_file = deployment.folder / deployment.config["secrets"][secret]["file"]
    settings = loader(_env_file=env_file)
    if isinstance(settings, Settings):
        assert str(settings.keys_file) == "/run/sealq/keys/sealq-keys.json"


def test_redis_refuses_to_evict_and_loads_the_acl_from_a_secret(deployment: Deployment) -> None:
    """Redis: maxmemory-policy noeviction, users from the mounted ACL secret."""
    command = deployment.service("redis")["command"]
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert command[command.index("--aclfile") + 1] == "/run/secrets/redis_acl"
    assert "redis_acl" in {s["source"] for s in deployment.service("redis")["secrets"]}


def test_no_secret_is_written_in_the_compose_environment(deployment: Deployment) -> None:
    """Passwords and URLs with credentials come from secret files, never the environment."""
    for name, spec in deployment.written["services"].items():
        for variable, value in (spec.get("environment") or {}).items():
            assert not re.search(r"://[^/\s]*:[^/\s]*@", str(value or "")), (name, variable)
            assert "PASSWORD" not in variable or variable.endswith("_FILE"), (name, variable)
    for service in ("postgres", "keystore-db"):
        environment = deployment.service(service)["environment"]
        assert environment["POSTGRES_PASSWORD_FILE"].startswith("/run/secrets/")


def test_only_migrate_workers_and_beat_mount_the_key_folder(deployment: Deployment) -> None:
    """The key file's folder is mounted read-only where keys are used (migrate, workers, beat,
    the gateway); Flower, the exporter and `models` get no key and no database credentials of
    the tables' owner."""
    for name, spec in deployment.config["services"].items():
        mounts = [v for v in spec.get("volumes", []) if v.split(":")[1] == "/run/sealq/keys"]
        if name in ("migrate", "beat", "api", *GPU_WORKERS):
            assert len(mounts) == 1 and mounts[0].endswith(":ro"), name
        else:
            assert not mounts, name
    assert {s["source"] for s in deployment.service("migrate")["secrets"]} == {"migrate_env",
                                                                              "db_roles"}


def test_prometheus_scrapes_with_the_repositorys_rules(deployment: Deployment) -> None:
    """Prometheus mounts compose/prometheus.yml and alerts.yml read-only, sits on the internal
    network with the workers, and runs as nobody."""
    prometheus = deployment.service("prometheus")
    targets = {v.split(":")[1] for v in prometheus["volumes"] if v.endswith(":ro")}
    assert targets == {"/etc/prometheus/prometheus.yml", "/etc/prometheus/alerts.yml"}
    assert "backend" in prometheus["networks"]
    assert prometheus["user"] == "65534:65534"


def test_other_ports_and_gpu_profiles_parse(deployment: Deployment) -> None:
    """Ports and profiles can be moved from the shell, as the README says."""
    port = str(free_port())
    config = compose_config(deployment.folder, {"SEALQ_FLOWER_PORT": port,
                                                "SEALQ_PG_MAX_CONNECTIONS": "300"})
    assert config["services"]["flower"]["ports"][0].startswith(f"127.0.0.1:{port}:")
    assert _max_connections(config["services"]["postgres"]["command"]) == 300


def test_secrets_and_settings_are_ignored_by_git() -> None:
    """compose/secrets/ and compose/settings.env are never committed."""
    for path in ("compose/secrets/worker.env", "compose/settings.env"):
        done = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, timeout=30,
                              check=False)
        assert done.returncode == 0, path
