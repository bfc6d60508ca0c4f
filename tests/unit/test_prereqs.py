"""scripts/prereqs.sh: every program the tests use is there, installed, or named before any test.

The script runs for real under bash with PATH holding only stub programs this test writes, so
each branch (all there, missing without apt-get, installing with it, servers down, PostgreSQL
without trust) is exercised without touching the machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "prereqs.sh"
BASH = shutil.which("bash") or "/bin/bash"
# The REQUIRED table: "program package" per line.
REQUIRED = re.findall(r'^\s+"(\S+) (\S+)"', SCRIPT.read_text(), flags=re.MULTILINE)


def stub(folder: Path, name: str, body: str = "exit 0") -> None:
    """An executable shell script standing in for a program."""
    path = folder / name
    path.write_text(f"#!{BASH}\n{body}\n")
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path: Path) -> dict[str, Path]:
    """A bin folder with every required program as a stub, and PostgreSQL's own bin folder."""
    bin_dir, pg_bin = tmp_path / "bin", tmp_path / "pg15"
    bin_dir.mkdir()
    pg_bin.mkdir()
    for program, _ in REQUIRED:
        if program.startswith("$PG_BIN/"):
            stub(pg_bin, program.removeprefix("$PG_BIN/"))
        else:
            stub(bin_dir, program)
    stub(bin_dir, "sleep")
    return {"bin": bin_dir, "pg_bin": pg_bin, "root": tmp_path}


def run(machine: dict[str, Path], *args: str) -> subprocess.CompletedProcess[str]:
    """The script under bash, seeing only the stub programs."""
    env = {"PATH": str(machine["bin"]), "PG_BIN": str(machine["pg_bin"]),
           "HOME": str(machine["root"])}
    return subprocess.run([BASH, str(SCRIPT), *args], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


def test_the_table_covers_what_the_tests_call() -> None:
    """Every program the tests start by name is in the table (chromium, docker-compose, ...)."""
    programs = {program.rsplit("/", 1)[-1] for program, _ in REQUIRED}
    assert {"chromium", "docker-compose", "redis-server", "initdb", "pg_ctl", "pg_dump",
            "pg_restore", "createdb", "dropdb", "runuser", "git"} <= programs
    sources = "\n".join(path.read_text() for path in (ROOT / "tests").rglob("*.py"))
    for program in ("chromium", "docker-compose", "redis-server", "pg_dump", "runuser"):
        assert program in sources  # still used, so still worth requiring


def test_everything_present_passes(machine: dict[str, Path]) -> None:
    """With every program there and both servers answering, the check passes."""
    done = run(machine, "--check")
    assert done.returncode == 0, done.stderr
    assert "ready" in done.stderr


def test_missing_programs_without_apt_get_are_named_with_the_install_command(
        machine: dict[str, Path]) -> None:
    """No apt-get (or not root): exit 2 before any test, naming programs and packages."""
    (machine["bin"] / "chromium").unlink()
    (machine["bin"] / "docker-compose").unlink()
    (machine["pg_bin"] / "initdb").unlink()
    for mode in ([], ["--check"]):
        done = run(machine, *mode)
        assert done.returncode == 2
        assert "not installed: chromium docker-compose initdb" in done.stderr
        assert ("apt-get install -y --no-install-recommends chromium docker-compose "
                "postgresql-15") in done.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="installing is what the script does as root")
def test_as_root_with_apt_get_the_missing_packages_are_installed(
        machine: dict[str, Path]) -> None:
    """As root, apt-get installs exactly the missing packages, then the check passes."""
    log = machine["root"] / "apt.log"
    (machine["bin"] / "chromium").unlink()
    (machine["bin"] / "redis-server").unlink()
    chmod = shutil.which("chmod")
    stub(machine["bin"], "apt-get",
         f'echo "$*" >> {log}\n'
         f'case "$*" in *install*) for p in chromium redis-server; do '
         f'printf "#!{BASH}\\nexit 0\\n" > {machine["bin"]}/$p; '
         f'{chmod} +x {machine["bin"]}/$p; done ;; esac')
    done = run(machine)
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == "update -qq"
    assert calls[1].endswith("--no-install-recommends chromium redis-server")
    assert "--check" not in calls[1]
    checked = run(machine, "--check")
    assert checked.returncode == 0


def test_check_mode_never_installs(machine: dict[str, Path]) -> None:
    """--check with apt-get present still only reports."""
    log = machine["root"] / "apt.log"
    (machine["bin"] / "git").unlink()
    stub(machine["bin"], "apt-get", f'echo "$*" >> {log}')
    done = run(machine, "--check")
    assert done.returncode == 2 and "git" in done.stderr
    assert not log.exists()


def test_servers_that_do_not_answer_are_named(machine: dict[str, Path]) -> None:
    """Redis or PostgreSQL down: exit 2 naming which (after trying to start them as root)."""
    stub(machine["bin"], "redis-cli", "exit 1")
    done = run(machine, "--check")
    assert done.returncode == 2
    assert "not answering: Redis on 127.0.0.1:6379" in done.stderr


def test_postgresql_without_trust_is_explained(machine: dict[str, Path]) -> None:
    """A PostgreSQL that asks the postgres user for a password is refused with the fix."""
    stub(machine["bin"], "psql", "exit 2")
    done = run(machine, "--check")
    assert done.returncode == 2
    assert "trust authentication" in done.stderr


def test_the_test_command_and_ci_run_it_first() -> None:
    """scripts/test.sh runs the script before setup and pytest; .ci/run relies on it too."""
    test_sh = (ROOT / "scripts" / "test.sh").read_text()
    order = ['bash "$ROOT/scripts/prereqs.sh"', 'bash "$ROOT/scripts/setup.sh"', "-m pytest"]
    assert [test_sh.index(line) for line in order] == sorted(test_sh.index(line)
                                                             for line in order)
    assert "prereqs.sh" in (ROOT / ".ci" / "run").read_text()
