"""A real Dask cluster on 127.0.0.1 for the tests: `dask scheduler` and `dask worker`
processes, the commands users run across machines, started and stopped by process id.

    python -m tests.dask_cluster start STATE   # scheduler + 2 workers; STATE records them
    python -m tests.dask_cluster address STATE # tcp://127.0.0.1:PORT
    python -m tests.dask_cluster stop STATE    # stops exactly the processes it started

`.ci/run` starts one for the whole test run (REMARKS_TEST_SCHEDULER); without it the shard
tests start their own with `DaskProcesses`.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

START_SECONDS = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dask_command() -> str:
    found = Path(sys.executable).parent / "dask"
    return str(found) if found.exists() else "dask"


class DaskProcesses:
    """A scheduler and workers started here; `stop` ends them by their process ids."""

    def __init__(self, workers: int = 2, log_dir: Path | None = None) -> None:
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.log_dir = log_dir
        self.pids: list[int] = []
        self.workers = workers

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen:
        log = (
            open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 — kept for the process
            if self.log_dir
            else subprocess.DEVNULL
        )
        process = subprocess.Popen(
            [dask_command(), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl+C in the terminal does not reach it
        )
        self.pids.append(process.pid)
        return process

    def start(self) -> "DaskProcesses":
        self._spawn(
            ["scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"],
            "scheduler",
        )
        for i in range(self.workers):
            self.add_worker(f"worker-{i}")
        self.wait_for(self.workers)
        return self

    def add_worker(self, name: str, nanny: bool = True) -> subprocess.Popen:
        """Start one more worker (without a nanny its process id is the worker's own)."""
        args = ["worker", self.address, "--nthreads", "1", "--no-dashboard", "--name", name]
        args += ["--host", "127.0.0.1", "--nanny" if nanny else "--no-nanny"]
        return self._spawn(args, name)

    def wait_for(self, workers: int) -> None:
        from distributed import Client

        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                with Client(self.address, timeout=10) as client:
                    client.wait_for_workers(workers, timeout=max(1.0, deadline - time.monotonic()))
                    return
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def stop(self) -> None:
        for pid in reversed(self.pids):
            stop_pid(pid)
        self.pids.clear()

    def to_json(self) -> dict:
        return {"address": self.address, "pids": self.pids}


def stop_pid(pid: int, seconds: float = 10.0) -> None:
    """End one process this module started (and the session it leads): politely, then not."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # not our child (started by an earlier command)
            done = 0 if _alive(pid) else pid
        if done:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop", "address"):
        sys.stderr.write("usage: python -m tests.dask_cluster start|stop|address STATE\n")
        return 2
    what, state = argv[0], Path(argv[1])
    if what == "start":
        log_dir = state.parent
        cluster = DaskProcesses(log_dir=log_dir)
        try:
            cluster.start()
        except BaseException:
            cluster.stop()
            raise
        state.write_text(json.dumps(cluster.to_json()) + "\n", encoding="utf-8")
        print(cluster.address)
        return 0
    if not state.exists():
        return 0 if what == "stop" else 1
    data = json.loads(state.read_text(encoding="utf-8"))
    if what == "address":
        print(data["address"])
        return 0
    for pid in reversed(data["pids"]):
        stop_pid(pid)
    state.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
