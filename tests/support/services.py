"""Private, restartable servers for fault tests: Redis (with compose's ACL) and PostgreSQL.

Both listen on loopback ports of their own, so a test may kill, flush or restart them without
touching the shared servers on 6379 and 5432.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]
ACL_TEMPLATE = ROOT / "compose" / "redis" / "users.acl.template"
# The roles compose's ACL defines a password-protected user for (`ops` is the operators').
ROLES = ("producer", "api", "worker", "beat", "flower", "exporter", "ops")
# The test's own user: flushes, restarts, MONITOR and scans. Never given to a sealq process.
ADMIN_USER = "chaos"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
# Servers answer within this long after start; they normally take well under a second.
START_SECONDS = 30


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def render_acl(passwords: dict[str, str]) -> str:
    """compose's ACL as make-secrets.sh renders it: SHA-256 hashes in, comments out."""
    text = ACL_TEMPLATE.read_text()
    for role, password in passwords.items():
        text = text.replace(f"${{{role.upper()}_SHA256}}", hashlib.sha256(password.encode())
                            .hexdigest())
    assert "${" not in text, "a role of the ACL template has no password"
    return "".join(line + "\n" for line in text.splitlines()
                   if line.strip() and not line.startswith("#"))


class AclRedis:
    """A redis-server keeping nothing on disk, users from compose's ACL plus an admin user.

    `kill()` and `start()` reuse the port, ACL and passwords: a restart loses every key, as a
    production Redis without persistence does.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.passwords = {role: secrets.token_hex(16) for role in (*ROLES, ADMIN_USER)}
        acl = render_acl({r: self.passwords[r] for r in ROLES})
        admin = hashlib.sha256(self.passwords[ADMIN_USER].encode()).hexdigest()
        self.acl_file = workdir / "users.acl"
        self.acl_file.write_text(acl + f"user {ADMIN_USER} on #{admin} ~* &* +@all\n")
        self.log_file = workdir / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, role: str) -> str:
        """The URL a role connects with (ADMIN_USER for the test itself)."""
        return f"redis://{role}:{self.passwords[role]}@127.0.0.1:{self.port}/0"

    def admin(self) -> redis.Redis:
        """A client with every right, for the test's faults and scans."""
        return redis.Redis.from_url(self.url(ADMIN_USER), socket_connect_timeout=5,
                                    socket_timeout=30)

    def start(self) -> None:
        """Start the server and wait until the admin user can PING it."""
        binary = shutil.which("redis-server")
        assert binary, "redis-server is missing: apt-get install -y redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), "--aclfile", str(self.acl_file),
             "--logfile", str(self.log_file), "--loglevel", "verbose",
             "--maxmemory-policy", "noeviction"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = self.admin()
        deadline = time.monotonic() + START_SECONDS
        try:
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    assert self.process.poll() is None, self.log_file.read_text()[-2000:]
                    assert time.monotonic() < deadline, "redis-server did not answer"
                    time.sleep(0.05)
        finally:
            client.close()

    def kill(self) -> None:
        """SIGKILL the server: every key is gone, as after a crash without persistence."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop the server for good."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class RedisMonitor:
    """Records every command Redis executes (MONITOR), across restarts, into a file."""

    def __init__(self, server: AclRedis, out: Path) -> None:
        self._server = server
        self.out = out
        self.commands = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="redis-monitor", daemon=True)

    def start(self) -> None:
        """Begin recording."""
        self._thread.start()

    def stop(self) -> None:
        """Stop recording: the flag is seen at the next command, so send one."""
        self._stopped.set()
        if not self._thread.is_alive():
            return
        admin = self._server.admin()
        try:
            admin.ping()
        except redis.RedisError:
            pass  # the server is down: the monitor's connection has failed already
        finally:
            admin.close()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        with self.out.open("ab") as sink:
            while not self._stopped.is_set():
                # A read timeout longer than any test: redis-py drops the connection on one,
                # losing the commands until it is back (its default is not "never").
                client = redis.Redis.from_url(self._server.url(ADMIN_USER),
                                              socket_connect_timeout=2, socket_timeout=86400)
                try:
                    with client.monitor() as monitor:
                        while not self._stopped.is_set():
                            command = monitor.next_command()
                            sink.write(command["command"].encode("utf-8", "backslashreplace")
                                       + b"\n")
                            self.commands += 1
                except (redis.ConnectionError, OSError, AttributeError):
                    # The server went away (AttributeError: redis-py's reader is gone with
                    # the socket); wait for it to come back and watch again.
                    time.sleep(0.1)
                finally:
                    client.close()
                    sink.flush()


class PrivatePostgres:
    """A throw-away PostgreSQL 15 cluster run as the `postgres` user, logging every statement.

    TCP connections on 127.0.0.1 authenticate with SCRAM passwords (as a production server
    does), so a role's password really is checked; the test itself connects as `postgres`
    over the cluster's Unix socket, which trusts it.

    `restart()` stops it with `-m immediate` (a crash: no clean shutdown of sessions) and
    starts it again on the same port and data, so committed work survives through the WAL.
    """

    def __init__(self) -> None:
        # Outside pytest's tmp dirs: those are root-only and the postgres user must write here.
        self.root = Path(tempfile.mkdtemp(prefix="sealq-pg-", dir="/tmp"))
        self.data = self.root / "data"
        self.log_file = self.root / "postgres.log"
        self.port = free_port()
        shutil.chown(self.root, "postgres", "postgres")

    def _as_postgres(self, *argv: str, timeout: float = 120) -> None:
        done = subprocess.run(["runuser", "-u", "postgres", "--", *argv], capture_output=True,
                              text=True, timeout=timeout)
        assert done.returncode == 0, f"{argv[0]} failed:\n{done.stdout}\n{done.stderr}"

    def init(self) -> None:
        """initdb (trust auth, UTF-8) and the first start."""
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "--auth-local=trust",
                          "--auth-host=scram-sha-256", "-U", "postgres", "-E", "UTF8",
                          "--no-sync")
        self.start()

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c log_statement=all -c log_min_messages=info "
                   "-c max_connections=200")
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log_file),
                          "-o", options, "-w", "-t", str(START_SECONDS), "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`immediate` is a crash; `fast` a clean shutdown)."""
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w",
                          "stop")

    def conninfo(self, database: str = "postgres") -> str:
        """libpq connection string of the superuser (over the socket) for a database."""
        return f"host={self.root} port={self.port} user=postgres dbname={database}"

    def url(self, database: str) -> str:
        """SQLAlchemy URL of the superuser (over the socket) for a database of this cluster."""
        return f"postgresql+psycopg://postgres@/{database}?host={self.root}&port={self.port}"

    def role_url(self, database: str, user: str, password: str) -> str:
        """SQLAlchemy URL of a password-checked user over TCP."""
        return f"postgresql+psycopg://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create a database; returns its URL."""
        with psycopg.connect(self.conninfo(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        """Stop the server if it runs and delete the cluster."""
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(AssertionError):  # it may have died already
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
