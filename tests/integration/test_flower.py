"""`sealq flower` for real: a Celery worker, Flower with basic auth, and a headless browser.

The worker here is a tiny Celery app with a `sealq.generate` task that only checks its job id:
the point is what Flower shows (workers online, tasks processed, arguments that are job ids
only), not inference. The dashboard screenshot is kept in test-artifacts/ for a human to look.
"""

from __future__ import annotations

import ast
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from schemas.messages import is_job_id
from workers.lifecycle.publisher import Publisher

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
USER, PASSWORD = "ops", "correct-horse-battery-staple"
QUEUE = "sealq.flowertest"
JOBS = 5

WORKER_APP = textwrap.dedent('''
    """A stand-in sealq worker for the Flower test: same task name and config, no engine."""
    import os

    from celery import Celery

    from schemas.constants import TASK_GENERATE
    from schemas.messages import celery_config, is_job_id

    app = Celery("sealq-flower-test")
    app.conf.update(celery_config(os.environ["TEST_BROKER_URL"]))


    @app.task(name=TASK_GENERATE, ignore_result=True)
    def generate(job_id):
        return "succeeded" if is_job_id(job_id) else "ignored"
''')


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get(url: str, *, auth: bool = True, password: str = PASSWORD, method: str = "GET",
        data: bytes | None = None, timeout: float = 5) -> tuple[int, bytes]:
    """A request with or without the basic-auth header; returns status and body."""
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310  # loopback
    if auth:
        token = base64.b64encode(f"{USER}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # loopback
            return int(response.status), response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_for(what: str, check: Any, timeout: float = 60) -> Any:
    """Poll `check` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
        except (OSError, ValueError):
            result = None
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate a child we started, then kill it if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def celery_worker(tmp_path: Path, redis_url: str) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker (threads pool) consuming QUEUE with a job-id-only generate task."""
    (tmp_path / "flower_test_app.py").write_text(WORKER_APP)
    log = tmp_path / "worker.log"
    env = {**os.environ, "TEST_BROKER_URL": redis_url,
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(Path.cwd())])}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "flower_test_app", "worker", "-P", "threads",
             "-c", "2", "-Q", QUEUE, "-E", "--hostname", "sealq-test@%h", "--loglevel", "INFO"],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for("the worker to be ready", lambda: " ready." in log.read_text(), timeout=60)
        yield process
    finally:
        stop(process)


@pytest.fixture
def flower(tmp_path: Path, redis_url: str) -> Iterator[str]:
    """Real `sealq flower` with basic auth on a free loopback port; yields its base URL."""
    port = free_port()
    env = {**os.environ, "SEALQ_BROKER_URL": redis_url,
           "SEALQ_FLOWER_BASIC_AUTH": f"{USER}:{PASSWORD}"}
    log = tmp_path / "flower.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "producer", "flower", "--port",
                                    str(port)], env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for("Flower to listen", lambda: get(f"{base}/healthcheck", auth=False)[0] == 200)
        yield base
    finally:
        stop(process)
        assert PASSWORD not in log.read_text(errors="replace")


def screenshot(url: str, out: Path, tmp_path: Path) -> None:
    """Load `url` in headless Chromium and save a PNG of the page."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("chromium is not installed: apt-get install -y chromium", pytrace=False)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=1400,900",
         "--virtual-time-budget=8000", f"--screenshot={out}", url],
        check=True, capture_output=True, timeout=120)
    assert out.stat().st_size > 10_000, "the screenshot is (nearly) empty"


@pytest.mark.integration
@pytest.mark.timeout(300)
def test_flower_shows_worker_and_tasks_with_job_ids_only(
        celery_worker: subprocess.Popen[bytes], flower: str, redis_url: str,
        tmp_path: Path) -> None:
    """Flower (basic auth) sees the worker online and its tasks, whose args are job ids only."""
    publisher = Publisher(redis_url)

    def succeeded() -> dict[str, Any]:
        status, body = get(f"{flower}/api/tasks?state=SUCCESS")
        tasks: dict[str, Any] = json.loads(body) if status == 200 else {}
        return tasks

    try:
        # Task events are published, not queued: those sent before Flower subscribed are
        # gone. Probe until Flower shows one, then send the jobs under test.
        def probe_seen() -> bool:
            publisher.publish([uuid.uuid4().hex], queue=QUEUE)
            return bool(succeeded())

        wait_for("Flower to receive task events", probe_seen, timeout=120)
        job_ids = [uuid.uuid4().hex for _ in range(JOBS)]
        assert publisher.publish(job_ids, queue=QUEUE) == JOBS
    finally:
        publisher.close()

    wanted = {repr([job_id]) for job_id in job_ids}
    tasks = wait_for("Flower to see every task succeed",
                     lambda: (t := succeeded()) and wanted <= {v["args"] for v in t.values()}
                     and t, timeout=120)
    # Every task Flower shows, probes included, carries a job id and nothing else.
    shown = [ast.literal_eval(task["args"]) for task in tasks.values()]
    assert all(len(args) == 1 and is_job_id(args[0]) for args in shown), shown
    assert all(task["kwargs"] == "{}" and task["name"] == "sealq.generate"
               for task in tasks.values())

    status, body = get(f"{flower}/api/workers?status=true")
    online = json.loads(body)
    assert status == 200 and any(name.startswith("sealq-test@") and up
                                 for name, up in online.items())

    screenshot(f"http://{USER}:{PASSWORD}@{flower.removeprefix('http://')}/",
               ARTIFACTS / "flower-dashboard.png", tmp_path)
    screenshot(f"http://{USER}:{PASSWORD}@{flower.removeprefix('http://')}/tasks",
               ARTIFACTS / "flower-tasks.png", tmp_path)


@pytest.mark.integration
@pytest.mark.timeout(120)
def test_flower_refuses_requests_without_credentials(flower: str) -> None:
    """Without credentials, or with a wrong password, the dashboard and the API answer 401."""
    for path in ("/", "/api/workers", "/api/tasks", "/tasks"):
        assert get(f"{flower}{path}", auth=False)[0] == 401, path
    assert get(f"{flower}/api/workers", password="not-the-password")[0] == 401


@pytest.mark.integration
@pytest.mark.timeout(120)
def test_flower_is_read_only_by_default(flower: str) -> None:
    """Flower's API refuses to send tasks or revoke them: the dashboard only watches."""
    status, _ = get(f"{flower}/api/task/async-apply/sealq.generate", method="POST",
                    data=b'{"args": ["0123456789abcdef0123456789abcdef"]}')
    assert status == 403
    status, _ = get(f"{flower}/api/task/revoke/0123", method="POST", data=b"")
    assert status == 403


@pytest.mark.integration
@pytest.mark.timeout(180)
def test_flower_honours_flowers_own_variables_and_options_win(
        tmp_path: Path, redis_url: str) -> None:
    """FLOWER_PORT and FLOWER_URL_PREFIX (from an env file) move real Flower; --port wins."""
    env_port, option_port = free_port(), free_port()
    env_file = tmp_path / "flower.env"
    env_file.write_text(f"SEALQ_BROKER_URL={redis_url}\nSEALQ_FLOWER_BASIC_AUTH={USER}:"
                        f"{PASSWORD}\nFLOWER_PORT={env_port}\nFLOWER_URL_PREFIX=ops/flower\n")
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("SEALQ_", "FLOWER_"))}
    started = []
    try:
        for extra in ([], ["--port", str(option_port)]):
            with (tmp_path / f"flower-{len(started)}.log").open("wb") as log:
                started.append(subprocess.Popen(
                    [sys.executable, "-m", "producer", "flower", "--env-file", str(env_file),
                     *extra], env=env, stdout=log, stderr=subprocess.STDOUT))
        for port in (env_port, option_port):
            base = f"http://127.0.0.1:{port}/ops/flower"
            wait_for(f"Flower on {port}", lambda b=base: get(f"{b}/api/workers")[0] == 200)
            assert get(f"{base}/api/workers", auth=False)[0] == 401
            assert get(f"http://127.0.0.1:{port}/api/workers")[0] == 404  # outside the prefix
    finally:
        for process in started:
            stop(process)
