"""compose/make-secrets.sh: works on a host without sealq, keeps what must be kept, rotates.

Each test runs the script in its own copy of compose/, with a PATH that has no sealq on it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import redis
from support.services import free_port

from schemas.keyfile import load_key_file

COMPOSE = Path(__file__).resolve().parents[2] / "compose"
HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def make_secrets(folder: Path) -> subprocess.CompletedProcess[str]:
    """Run the folder's make-secrets.sh as an operator would, sealq not installed."""
    env = {"PATH": HOST_PATH, "HOME": str(folder)}
    done = subprocess.run(["bash", str(folder / "make-secrets.sh")], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A fresh copy of compose/ with no secrets yet."""
    copy = tmp_path / "compose"
    shutil.copytree(COMPOSE, copy, ignore=shutil.ignore_patterns("secrets", "settings.env"))
    assert not any(shutil.which("sealq", path=p) for p in HOST_PATH.split(":"))
    return copy


def env_file(folder: Path, name: str) -> dict[str, str]:
    """The variables of secrets/<name>.env."""
    lines = (folder / "secrets" / f"{name}.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_key_file_is_made_without_sealq_and_sealq_accepts_it(folder: Path) -> None:
    """The key file comes from openssl alone, mode 0600, and loads as a sealq key file."""
    make_secrets(folder)
    path = folder / "secrets" / "keys" / "sealq-keys.json"
    assert path.stat().st_mode & 0o777 == 0o600
    keys = load_key_file(path)
    assert keys.primary.startswith("mk-") and len(keys.keys[keys.primary]) == 32


def test_each_role_gets_only_its_own_users(folder: Path) -> None:
    """Every env file names its role's database user and Redis user; the tables' owner is in
    migrate's alone; Flower has no database and the exporter no key store."""
    make_secrets(folder)
    for role in ("worker", "beat", "producer", "api"):
        values = env_file(folder, role)
        assert f"//sealq_{role}:" in values["SEALQ_DATABASE_URL"]
        assert f"//sealq_{role}:" in values["SEALQ_KEY_STORE_URL"]
        assert values["SEALQ_BROKER_URL"].startswith(f"redis://{role}:")
    migrate = env_file(folder, "migrate")
    assert "//sealq:" in migrate["SEALQ_DATABASE_URL"]
    assert "//sealq_keys:" in migrate["SEALQ_KEY_STORE_URL"]
    assert migrate["SEALQ_DB_ROLES_FILE"] == "/run/secrets/db_roles"
    assert set(env_file(folder, "flower")) == {"SEALQ_BROKER_URL", "SEALQ_FLOWER_BASIC_AUTH"}
    assert set(env_file(folder, "exporter")) == {"SEALQ_DATABASE_URL", "SEALQ_BROKER_URL"}
    assert "//sealq_exporter:" in env_file(folder, "exporter")["SEALQ_DATABASE_URL"]
    roles = (folder / "secrets" / "db-roles").read_text()
    for role in ("producer", "api", "worker", "beat", "exporter"):
        password = (folder / "secrets" / f"pg-{role}.password").read_text().strip()
        assert f"\n{role}={password}\n" in f"\n{roles}"


def test_rerun_keeps_keys_passwords_and_settings_and_rotates_a_deleted_password(
        folder: Path) -> None:
    """A second run changes nothing and keeps settings.env edits; deleting one password file
    and running again replaces that password everywhere it is used, and nothing else."""
    make_secrets(folder)
    secrets = folder / "secrets"
    settings = folder / "settings.env"
    settings.write_text(settings.read_text().replace("SEALQ_MODEL=\n", "SEALQ_MODEL=org/m\n"))
    before = {p.name: p.read_bytes() for p in secrets.rglob("*") if p.is_file()}
    make_secrets(folder)
    assert {p.name: p.read_bytes() for p in secrets.rglob("*") if p.is_file()} == before
    assert "SEALQ_MODEL=org/m\n" in settings.read_text()
    old = (secrets / "pg-worker.password").read_text().strip()
    (secrets / "pg-worker.password").unlink()
    make_secrets(folder)
    new = (secrets / "pg-worker.password").read_text().strip()
    assert new != old
    assert new in env_file(folder, "worker")["SEALQ_DATABASE_URL"]
    assert f"worker={new}" in (secrets / "db-roles").read_text()
    after = {p.name: p.read_bytes() for p in secrets.rglob("*") if p.is_file()}
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {"pg-worker.password", "worker.env", "db-roles"}


@pytest.mark.integration
@pytest.mark.timeout(60)
def test_rendered_acl_loads_and_each_password_logs_its_role_in(folder: Path,
                                                               tmp_path: Path) -> None:
    """The ACL make-secrets.sh writes starts a real redis-server; each role's password file
    logs in as that role, the default user is off."""
    make_secrets(folder)
    port = free_port()
    binary = shutil.which("redis-server")
    assert binary, "redis-server is missing: apt-get install -y redis-server"
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path), "--aclfile",
                               str(folder / "secrets" / "redis-users.acl")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for role in ("producer", "api", "worker", "beat", "flower", "exporter", "ops"):
            password = (folder / "secrets" / f"{role}.password").read_text().strip()
            client = redis.Redis(port=port, username=role, password=password)
            deadline = time.monotonic() + 10
            while True:
                try:
                    assert client.ping()
                    break
                except redis.ConnectionError:
                    assert server.poll() is None, "redis-server refused the ACL file"
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
            client.close()
        with pytest.raises(redis.exceptions.AuthenticationError):
            redis.Redis(port=port).ping()
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert os.stat(folder / "secrets" / "redis-users.acl").st_mode & 0o077 == 0
