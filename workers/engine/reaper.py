"""A watchdog that kills the engine's processes when the worker that owns them dies.

vLLM 0.32's EngineCore does not watch its parent: a worker killed with SIGKILL (or SIGTERM
without a clean shutdown) leaves it orphaned, holding the model in memory. The worker starts
`python -m workers.engine.reaper --parent PID` with a pipe on its stdin; when that pipe hits
EOF (the worker closed it, or died), the reaper kills what it tracked and exits.

Protocol on stdin, one line each: `engine PID [PID...]` narrows tracking to those processes
and their descendants (sent once the engine is up). Until then every descendant of the parent
born after the reaper is tracked, so a worker killed mid-startup leaves nothing behind.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import sys

import psutil

# How often descendants are re-listed while the engine starts: a process born and orphaned
# within one interval escapes, so keep it short.
POLL_SECONDS = 0.2
# Once the engine is up its processes are known and it starts no more: re-listing them (each
# listing reads every process on the machine, a few ms) becomes a slow safety net, since on a
# CPU every ms taken here is taken from the engine's cores.
TRACKED_POLL_SECONDS = 5.0
# Grace between SIGTERM and SIGKILL for the engine to free its resources.
TERMINATE_GRACE_SECONDS = 5.0

Tracked = dict[int, float]  # pid -> create_time, so a reused pid is never killed


def _descendants(root: psutil.Process, born_after: float) -> Tracked:
    found: Tracked = {}
    try:
        children = root.children(recursive=True)
    except psutil.Error:  # the root is gone; what it had is already tracked
        return found
    for child in children:
        try:
            created = child.create_time()
        except psutil.Error:
            continue
        if child.pid != os.getpid() and created >= born_after:
            found[child.pid] = created
    return found


def _roots_subtrees(roots: Tracked) -> Tracked:
    found: Tracked = dict(roots)
    for pid, created in roots.items():
        try:
            process = psutil.Process(pid)
            if process.create_time() == created:
                found.update(_descendants(process, 0.0))
        except psutil.Error:
            continue
    return found


def kill_tracked(tracked: Tracked) -> None:
    """SIGTERM every tracked process still alive, then SIGKILL the ones that linger."""
    alive: list[psutil.Process] = []
    for pid, created in tracked.items():
        try:
            process = psutil.Process(pid)
            if process.create_time() == created:
                process.terminate()
                alive.append(process)
        except psutil.Error:
            continue
    _, lingering = psutil.wait_procs(alive, timeout=TERMINATE_GRACE_SECONDS)
    for process in lingering:
        try:
            process.kill()
        except psutil.Error:
            continue


def watch(parent_pid: int) -> None:
    """Track the parent's new descendants until stdin closes or the parent dies; kill them."""
    parent = psutil.Process(parent_pid)
    born_after = psutil.Process().create_time()
    stdin = sys.stdin.fileno()  # read unbuffered: select() must see every byte
    tracked: Tracked = {}
    roots: Tracked | None = None
    pending = b""
    while True:
        poll = POLL_SECONDS if roots is None else TRACKED_POLL_SECONDS
        ready, _, _ = select.select([stdin], [], [], poll)
        if roots is None:
            tracked.update(_descendants(parent, born_after))
        else:
            tracked.update(_roots_subtrees(roots))
        if not ready:
            # A forked child of the worker may hold the pipe open after the worker died.
            if not parent.is_running():
                break
            continue
        chunk = os.read(stdin, 4096)
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            words = line.split()
            if words[:1] == [b"engine"]:
                roots = {}
                for word in words[1:]:
                    try:
                        roots[int(word)] = psutil.Process(int(word)).create_time()
                    except (ValueError, psutil.Error):
                        continue
                tracked = _roots_subtrees(roots)
    kill_tracked(tracked)


def main() -> None:
    """Entry point of `python -m workers.engine.reaper`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parent", type=int, required=True, help="pid of the worker")
    args = parser.parse_args()
    # Own session: a Ctrl-C or SIGTERM sent to the worker's process group must not stop
    # the reaper before it has done its job.
    with contextlib.suppress(OSError):  # already a session leader
        os.setsid()
    watch(args.parent)


if __name__ == "__main__":
    main()
