"""What the exact (unstemmed) field costs: index size and build time, against a checkout
without it.

    python -m benchmarks.exact_cost --against PATH [--corpus PATH] [--rounds 2]

PATH is a checkout of remarks from before the `exact` field (e.g. `git worktree add
/tmp/before <commit>`). Each round builds the corpus (default ../shared/corpora/kremlin-en-all)
with one worker, in a fresh process, once with each checkout (alternating, so a change in the
machine's load falls on both); reports the median wall and CPU seconds and the index size,
with the load average. Saves benchmarks/results/exact_cost.json.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "exact_cost.json"
CORPUS = ROOT.parent / "shared" / "corpora" / "kremlin-en-all"
BUILD = (
    "import sys; from pathlib import Path; from indexer.building.build import index_corpus; "
    "index_corpus(Path(sys.argv[1]), Path(sys.argv[2]), workers=1)"
)


def size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def build(checkout: Path, corpus: Path, index: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", BUILD, str(corpus), str(index)],
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout)},
        check=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    runs: dict[str, dict[str, list[float]]] = {
        "without exact": {"wall": [], "cpu": [], "bytes": []},
        "with exact": {"wall": [], "cpu": [], "bytes": []},
    }
    load_before = os.getloadavg()
    for _ in range(args.rounds):
        for label, checkout in (("without exact", args.against), ("with exact", ROOT)):
            with tempfile.TemporaryDirectory() as tmp:
                index = Path(tmp) / "index"
                wall, cpu = build(checkout, args.corpus, index)
                runs[label]["wall"].append(wall)
                runs[label]["cpu"].append(cpu)
                runs[label]["bytes"].append(size(index))
            print(f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU, {size_mb(runs[label]):.1f} MB")
    summary = {
        label: {
            "wall_s": round(statistics.median(r["wall"]), 1),
            "cpu_s": round(statistics.median(r["cpu"]), 1),
            "index_mb": round(size_mb(r), 1),
        }
        for label, r in runs.items()
    }
    a, b = summary["without exact"], summary["with exact"]
    summary["ratio"] = {
        "wall": round(b["wall_s"] / a["wall_s"], 3),
        "cpu": round(b["cpu_s"] / a["cpu_s"], 3),
        "size": round(b["index_mb"] / a["index_mb"], 3),
    }
    summary["corpus"] = args.corpus.name
    summary["load_before"] = load_before
    summary["load_after"] = os.getloadavg()
    print(json.dumps(summary, indent=1))
    RESULTS.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(f"saved {RESULTS.relative_to(ROOT)}")


def size_mb(run: dict[str, list[float]]) -> float:
    return statistics.median(run["bytes"]) / 1e6


if __name__ == "__main__":
    main()
