"""Kill trials: SIGKILL `remarks index` at random moments, then check that nothing is lost.

Each trial starts a real `remarks index` process (a rebuild in two workers, a sync of a few
changed, added and removed files, or a sync with --optimize) on a copy of part of
`../shared/corpora/kremlin-en-all`, kills its main process after a random delay, and checks:
its workers end too; the index left behind is sound (`remarks check`) and answers a search;
the next `remarks index` succeeds and gives the same turns as a clean build of the same files.

    python -m benchmarks.kill_trials [--trials 12] [--files 400] [--seed 1]

Prints each trial and saves `benchmarks/results/kill-trials.json`.
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "corpora" / "kremlin-en-all" / "texts"
RESULTS = ROOT / "benchmarks" / "results" / "kill-trials.json"


def remarks(*args: str, check: bool = False) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "searcher.app.cli", *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=check)


def turns_of(index: Path) -> list[tuple[str, str]]:
    sys.path.insert(0, str(ROOT))
    from searcher.session import TurnIndex

    with TurnIndex(index) as opened:
        reader = opened.searcher.reader()
        return sorted((f["turn_id"], f["text"]) for f in reader.all_stored_fields())


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def mutate(corpus: Path, rng: random.Random, spare: list[Path]) -> None:
    files = sorted(corpus.glob("*.txt"))
    for path in rng.sample(files, 2):
        path.write_text(path.read_text(encoding="utf-8") + "\nIvan Petrov: Zeppelins.\n")
    rng.choice(sorted(corpus.glob("*.txt"))).unlink()
    if spare:
        shutil.copy(spare.pop(), corpus)


def trial(number: int, rng: random.Random, work: Path, sources: list[Path], spare: list[Path]):
    corpus, index = work / "corpus", work / "index"
    kind = rng.choice(["rebuild, 2 workers", "sync", "sync --optimize"])
    if kind != "rebuild, 2 workers":
        mutate(corpus, rng, spare)
    args = ["index", "--corpus", str(corpus), "--index", str(index), "-q"]
    args += {
        "rebuild, 2 workers": ["--rebuild", "--workers", "2"],
        "sync": [],
        "sync --optimize": ["--optimize"],
    }[kind]
    proc = subprocess.Popen(
        [sys.executable, "-m", "searcher.app.cli", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    delay = rng.uniform(0.3, 9.0 if kind.startswith("rebuild") else 4.0)
    deadline = time.monotonic() + delay
    workers: set[int] = set()
    while time.monotonic() < deadline and proc.poll() is None:
        workers.update(
            c
            for c in children(proc.pid)
            if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()
        )
        time.sleep(0.02)
    finished_first = proc.poll() is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    end = time.monotonic() + 30
    while any(running(w) for w in workers) and time.monotonic() < end:
        time.sleep(0.1)
    stray = [w for w in workers if running(w)]
    for w in stray:  # ours: started by this trial
        os.kill(w, signal.SIGKILL)
    checked = remarks("check", "--index", str(index))
    searched = remarks("search", "putin", "--index", str(index), "--format", "json")
    rerun = remarks("index", "--corpus", str(corpus), "--index", str(index), "-q")
    clean = work / f"clean-{number}"
    remarks("index", "--corpus", str(corpus), "--index", str(clean), "-q", check=True)
    same = turns_of(index) == turns_of(clean)
    shutil.rmtree(clean)
    held = (
        not stray
        and checked.returncode == 0
        and searched.returncode == 0
        and rerun.returncode == 0
        and same
    )
    return {
        "trial": number,
        "kind": kind,
        "killed_after_s": round(delay, 2),
        "finished_before_kill": finished_first,
        "workers_seen": len(workers),
        "stray_workers": len(stray),
        "check_exit": checked.returncode,
        "search_exit": searched.returncode,
        "rerun_exit": rerun.returncode,
        "same_as_clean_build": same,
        "held": held,
        "check_stderr": checked.stderr.strip()[:300],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    sources = sorted(SOURCE.glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "corpus").mkdir()
        for path in sources[: options.files]:
            shutil.copy(path, work / "corpus")
        spare = list(sources[options.files : options.files + options.trials])
        remarks(
            "index",
            "--corpus",
            str(work / "corpus"),
            "--index",
            str(work / "index"),
            "-q",
            check=True,
        )
        results = []
        for number in range(1, options.trials + 1):
            result = trial(number, rng, work, sources, spare)
            results.append(result)
            print(json.dumps(result), flush=True)
    summary = {
        "trials": len(results),
        "held": sum(r["held"] for r in results),
        "load_before": os.getloadavg(),
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"{summary['held']} of {summary['trials']} trials held; saved {RESULTS}")


if __name__ == "__main__":
    main()
