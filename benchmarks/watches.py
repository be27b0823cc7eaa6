"""What saved searches cost an index run: adding one transcript with 1,000 saved searches
against the same run with none, each `remarks index` in its own process.

    python -m benchmarks.watches [--watches 1000] [--runs 5]

The corpus is the bundled one less one transcript; the saved searches are drawn from its
words (one to three words, some phrases, a quarter with a speaker filter). Each run adds
the held-back transcript and indexes, then removes it and indexes again (untimed); the
median of the timed runs is reported, with and without the watches file. Saves
benchmarks/results/watches.json.
"""

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "watches.json"
CLI = [sys.executable, "-m", "searcher.app.cli"]
HELD_BACK = "000_af3ddc70366262e7.txt"
SPEAKERS = ["putin", "peskov", "medvedev", "lavrov", "question"]


def remarks(*args: str) -> str:
    run = subprocess.run([*CLI, *args], cwd=ROOT, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(run.stderr[-500:])
    return run.stdout


def write_watches(corpus: Path, n: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    words = sorted(
        {
            w.lower()
            for f in corpus.glob("*.txt")
            for w in re.findall(r"[A-Za-z]{5,}", f.read_text())
        }
    )
    lines = []
    for i in range(n):
        picked = rng.sample(words, rng.randint(1, 3))
        query = f'"{" ".join(picked)}"' if len(picked) > 1 and i % 5 == 0 else " ".join(picked)
        lines += ["[[watch]]", f'name = "w{i}"', f"query = {json.dumps(query)}"]
        if i % 4 == 0:
            lines.append(f"speaker = {json.dumps(rng.choice(SPEAKERS))}")
        lines.append("")
    (corpus / "watches.toml").write_text("\n".join(lines))


def timed_add(corpus: Path, index: Path) -> tuple[float, int]:
    shutil.copy(ROOT / "corpus" / HELD_BACK, corpus / HELD_BACK)
    started = time.perf_counter()
    out = remarks("index", "--corpus", str(corpus), "--index", str(index), "--format", "json")
    seconds = time.perf_counter() - started
    alerts = json.loads(out)["alerts"]
    (corpus / HELD_BACK).unlink()
    remarks("index", "--corpus", str(corpus), "--index", str(index), "-q")
    return seconds, sum(len(a["hits"]) for a in alerts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watches", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="watches-"))
    try:
        corpus, index = folder / "corpus", folder / "index"
        shutil.copytree(ROOT / "corpus", corpus)
        (corpus / HELD_BACK).unlink()
        remarks("index", "--corpus", str(corpus), "--index", str(index), "-q")
        results: dict = {"load_before": os.getloadavg(), "watches": options.watches}
        for label in ("without", "with"):
            if label == "with":
                write_watches(corpus, options.watches)
            times, hits = [], 0
            for _ in range(options.runs):
                seconds, hits = timed_add(corpus, index)
                times.append(seconds)
            results[label] = {
                "median_s": round(statistics.median(times), 3),
                "runs_s": [round(t, 3) for t in times],
                "alert_hits": hits,
            }
            print(label, json.dumps(results[label]), flush=True)
        results["added_s"] = round(results["with"]["median_s"] - results["without"]["median_s"], 3)
        results["load_after"] = os.getloadavg()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(f"1,000 watches add {results['added_s']} s; saved {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
