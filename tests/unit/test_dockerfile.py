"""compose/Dockerfile, checked as far as a machine without Docker allows.

The instructions are parsed, and the RUN steps that depend on the build argument are executed
by a shell with `apt-get` replaced by a recorder, once per image (GPU, control plane).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

DOCKERFILE = Path(__file__).resolve().parents[2] / "compose" / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuations joined, comments dropped."""
    steps: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.lstrip().startswith("#") or (not line.strip() and not pending):
            continue
        pending += line.rstrip("\\").rstrip() + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            word, _, rest = pending.strip().partition(" ")
            steps.append((word.upper(), rest.strip()))
            pending = ""
    return steps


def apt_installs(extras: str, tmp_path: Path) -> str:
    """What the RUN steps before the pip install ask apt-get for, with SEALQ_EXTRAS=extras."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    log = tmp_path / f"apt-{extras or 'base'}.log"
    recorder = bin_dir / "apt-get"
    recorder.write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    recorder.chmod(0o755)
    for word, command in instructions():
        if word == "RUN" and "pip install" in command:
            break
        if word == "RUN" and "apt-get" in command:
            subprocess.run(["sh", "-ec", command], check=True, timeout=30,
                           env={**os.environ, "SEALQ_EXTRAS": extras,
                                "PATH": f"{bin_dir}:{os.environ['PATH']}"})
    return log.read_text() if log.exists() else ""


def test_gpu_image_gets_a_c_compiler_and_the_control_plane_image_does_not(
        tmp_path: Path) -> None:
    """Triton (vLLM's torch.compile and CUDA graphs) needs gcc and libc headers in the GPU
    image; the control-plane image stays without them."""
    gpu = apt_installs("gpu", tmp_path)
    assert re.search(r"install .*\bgcc\b", gpu) and "libc6-dev" in gpu
    assert apt_installs("", tmp_path) == ""


def test_compiler_comes_before_the_install_and_the_image_runs_as_sealq() -> None:
    """The ARG is declared before the step that reads it; the image ends as uid 10001."""
    steps = instructions()
    words = [word for word, _ in steps]
    arg = words.index("ARG")
    compiler = next(i for i, (w, c) in enumerate(steps) if w == "RUN" and "gcc" in c)
    install = next(i for i, (w, c) in enumerate(steps) if w == "RUN" and "pip install" in c)
    assert arg < compiler < install
    assert steps[-3:] == [("USER", "10001:10001"), ("ENTRYPOINT", '["sealq"]'),
                          ("CMD", '["--help"]')]


def test_model_folder_belongs_to_sealq_so_the_new_volume_does() -> None:
    """Docker copies a folder's owner into a named volume first mounted on it: /models is
    made and given to uid 10001 in the image."""
    runs = [command for word, command in instructions() if word == "RUN"]
    assert any(re.search(r"mkdir -p /models\b.*chown 10001:10001 /models\b", c) for c in runs)


@pytest.mark.parametrize("extras", ["gpu", ""])
def test_install_uses_the_constraints_and_the_chosen_extra(extras: str) -> None:
    """pip installs `.[gpu]` or `.` with constraints.txt (the versions tested)."""
    (install,) = [c for w, c in instructions() if w == "RUN" and "pip install" in c]
    assert "-c constraints.txt" in install
    target = re.search(r'"(\.\$\{SEALQ_EXTRAS:\+\[\$SEALQ_EXTRAS\]\})"', install)
    assert target, install
    done = subprocess.run(["sh", "-c", f'echo "{target.group(1)}"'], capture_output=True,
                          text=True, env={"SEALQ_EXTRAS": extras}, check=True, timeout=10)
    assert done.stdout.strip() == (".[gpu]" if extras else ".")
