"""One private sealq deployment shared by the reliability tests that need real processes.

Starting a worker's engine takes about half a minute here, so the fault tests run one after
another on the same fleet; a test that kills the worker starts the next one. The zero-trace
test runs last (file order) and scans what every earlier test left behind.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.fleet import Fleet


@pytest.fixture(scope="package")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    """PostgreSQL, Redis (compose's ACL), beat and Flower of our own; workers on demand."""
    deployment = Fleet.start(tmp_path_factory.mktemp("fleet"))
    try:
        yield deployment
    finally:
        deployment.close()
