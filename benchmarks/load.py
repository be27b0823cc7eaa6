"""Load on `remarks serve`: 20 concurrent clients on 127.0.0.1 for 30 s, one query in 30
adversarial; throughput and p50/p95/p99 of the normal queries alone. Before the load, each
query of issue 12's hostile list is timed alone (status, partial, message).

    python -m benchmarks.load [--clients 20] [--seconds 30] [--against DIR]

`--against DIR` also measures the server of another checkout (for example the previous
version, `git worktree add /tmp/before <commit>`), in the same run, before this one. The
servers are started and stopped here, by process id, each over an index of the bundled
corpus built by its own checkout. Saves benchmarks/results/load.json.
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "load.json"
NORMAL = [
    "robots",
    "pension",
    "economic growth",
    "sanctions",
    '"direct line"',
    "inflation",
    "children",
    "healthcare",
    "student loans",
    "Ukraine",
    "chessboxing",
    "oil prices",
]
ADVERSARIAL = [
    " ".join(f"*{c}*" for c in "abcdefghijklmnopqrstuvwxyz"),
    "chesboxing~",
    "**a**",
    "x~99",
    "text:[a TO z]",
]

# Every query issue 12 found blocking or crashing the server, each timed alone.
EACH = [
    " ".join(f"*{c}*" for c in "abcdefghijklmnopqrstuvwxyz"),
    "**a**",
    "x~99",
    "robots~99",
    "*e*",
    "aaaaaaaaaa~9",
    "text:[a TO z]",
    "*" * 1000,
    "chesboxing~",
    "NOT NOT robots",
    "NOT NOT NOT",
    "NOT OR NOT",
    "robots -industry",
    "date:[2030 TO 2010]",
    "robots",  # a normal query, for scale
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(checkout: Path, index: Path, port: int) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        # (older checkouts kept the command line in searcher/cli.py)
        "searcher.app.cli" if (checkout / "searcher" / "app").is_dir() else "searcher.cli",
        "serve",
        "--port",
        str(port),
        "--index",
        str(index),
    ]
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    proc = subprocess.Popen(
        cmd, cwd=checkout, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=robots", timeout=5)
            return proc
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"the server of {checkout} did not start")


def time_each(port: int) -> list[dict]:
    rows = []
    for query in EACH:
        url = f"http://127.0.0.1:{port}/api/search?" + urllib.parse.urlencode({"q": query})
        started = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=120) as answer:
                status, raw = answer.status, answer.read()
        except urllib.error.HTTPError as refusal:
            status, raw = refusal.code, refusal.read()
        try:
            body = json.loads(raw)
        except ValueError:  # an older server's plain "Internal Server Error"
            body = {"error": raw.decode(errors="replace")[:80]}
        took = round(1000 * (time.monotonic() - started), 1)
        rows.append(
            {
                "query": query if len(query) < 60 else query[:20] + f"… ({len(query)} chars)",
                "ms": took,
                "status": status,
                "total": body.get("total"),
                "partial": body.get("partial"),
                "message": body.get("message") or body.get("error"),
            }
        )
    return rows


def run_load(port: int, clients: int, seconds: float, seed: int) -> dict:
    rng = random.Random(seed)
    plan = [
        [
            (q in ADVERSARIAL, q)
            for q in (
                rng.choice(ADVERSARIAL) if rng.randrange(30) == 0 else rng.choice(NORMAL)
                for _ in range(5000)
            )
        ]
        for _ in range(clients)
    ]
    normal: list[float] = []
    adversarial: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def client(queries) -> None:
        nonlocal errors
        for hostile, query in queries:
            if time.monotonic() >= stop:
                return
            url = f"http://127.0.0.1:{port}/api/search?" + urllib.parse.urlencode({"q": query})
            started = time.monotonic()
            try:
                urllib.request.urlopen(url, timeout=120).read()
            except urllib.error.HTTPError:
                pass  # a clear refusal is an answer
            except (urllib.error.URLError, TimeoutError, ConnectionError):
                with lock:
                    errors += 1
                continue
            took = time.monotonic() - started
            with lock:
                (adversarial if hostile else normal).append(took)

    threads = [threading.Thread(target=client, args=(p,)) for p in plan]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began

    def pct(values: list[float], p: float) -> float:
        if not values:
            return float("nan")
        ordered = sorted(values)
        return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

    return {
        "seconds": round(elapsed, 1),
        "requests": len(normal) + len(adversarial),
        "requests_per_s": round((len(normal) + len(adversarial)) / elapsed, 1),
        "normal": len(normal),
        "adversarial": len(adversarial),
        "errors": errors,
        "normal_ms": {"p50": pct(normal, 0.5), "p95": pct(normal, 0.95), "p99": pct(normal, 0.99)},
        "adversarial_ms": {
            "p50": pct(adversarial, 0.5),
            "max": pct(adversarial, 1.0),
            "mean": round(1000 * statistics.fmean(adversarial), 1) if adversarial else None,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--against", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    runs = {}
    checkouts = ([("before", options.against)] if options.against else []) + [("now", ROOT)]
    for name, checkout in checkouts:
        port = free_port()
        index = Path(tempfile.mkdtemp(prefix=f"load-{name}-")) / "index"
        proc = start(checkout, index, port)
        try:
            load = os.getloadavg()
            runs[name] = {
                "checkout": str(checkout.name),
                "load_before": load,
                "each": time_each(port),
                **run_load(port, options.clients, options.seconds, options.seed),
            }
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            shutil.rmtree(index.parent, ignore_errors=True)
        print(name, json.dumps(runs[name]), flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(runs, indent=1) + "\n")
    print(f"saved {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
