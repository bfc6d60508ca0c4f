"""`sealq flower` and `sealq exporter`: the operator's dashboards."""

from __future__ import annotations

import logging
import os
import signal
import tempfile
import threading
from pathlib import Path
from typing import Annotated

import typer

from schemas.cli_common import EnvFile, configure_logging, fail
from schemas.constants import EXIT_CONFIG
from schemas.errors import ConfigError

log = logging.getLogger("sealq.exporter")

# 9808 is unclaimed on Prometheus' default port allocation list.
EXPORTER_PORT = 9808
LOOPBACK = "127.0.0.1"

Address = Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 inside a container).")]


def flower_command(
    env_file: EnvFile = None,
    address: Annotated[str | None, typer.Option(
        help="Address to listen on (0.0.0.0 inside a container); default FLOWER_ADDRESS, "
        "else 127.0.0.1.")] = None,
    port: Annotated[int | None, typer.Option(
        min=1, max=65535, help="Port to listen on; default FLOWER_PORT, else 5555.")] = None,
    read_only: Annotated[bool | None, typer.Option(
        "--read-only/--allow-control",
        help="Read-only hides revoke, terminate and task sending; default FLOWER_READ_ONLY, "
        "else read-only.", show_default=False)] = None,
) -> None:
    """Start Flower on the broker; refuses to start without authentication.

    Flower's documented FLOWER_* variables are honoured (options given here win), except the
    few sealq refuses, with the reason: FLOWER_UNAUTHENTICATED_API, FLOWER_PERSISTENT,
    FLOWER_DB, FLOWER_STATE_SAVE_INTERVAL, FLOWER_CONF, FLOWER_FORMAT_TASK, FLOWER_BROKER_API,
    FLOWER_DEBUG, FLOWER_LOGGING.
    """
    from schemas.ops_settings import load_flower_settings
    from workers.ops.flower import flower_launch

    try:
        settings = load_flower_settings(env_file)
        launch = flower_launch(settings, address=address, port=port, read_only=read_only,
                               state_dir=Path(tempfile.mkdtemp(prefix="sealq-flower-")),
                               base_env=os.environ)
    except ConfigError as e:
        fail(str(e), EXIT_CONFIG)
    launch.exec()


def exporter_command(
    env_file: EnvFile = None,
    address: Address = LOOPBACK,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] =
        EXPORTER_PORT,
) -> None:
    """Serve sealq's Prometheus metrics: backlog by lane and tenant, states, dispatcher health."""
    from prometheus_client import start_http_server

    from schemas.ops_settings import load_exporter_settings
    from workers.ops.exporter import Exporter

    try:
        settings = load_exporter_settings(env_file)
    except ConfigError as e:
        fail(str(e), EXIT_CONFIG)
    configure_logging(settings.log_level)
    exporter = Exporter(settings)
    exporter.start()
    try:
        start_http_server(port, addr=address, registry=exporter.registry)
    except OSError as e:
        fail(f"cannot listen on {address}:{port} ({e.strerror})")
    log.info("sealq exporter on http://%s:%d/metrics", address, port)
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    exporter.close()
