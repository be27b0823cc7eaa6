"""Time a full `remarks index --rebuild` against incremental `remarks index` runs.

On the 1,395 transcripts of ../shared/corpora/kremlin-en-all (copied to a temporary corpus),
in one run: a rebuild from scratch, then `remarks index` after adding one transcript, then
after changing one. Each is a separate `remarks` process, as a user would run it. Prints a
table and saves the numbers to benchmarks/results/sync.json.

    python benchmarks/sync_benchmark.py [--corpus PATH] [--repeat N]
"""

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "kremlin-en-all" / "texts"
SEED = ROOT / "corpus" / "000_af3ddc70366262e7.txt"
RESULTS = ROOT / "benchmarks" / "results" / "sync.json"


def remarks(*args: str) -> tuple[float, dict]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "searcher.app.cli", *args, "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    return seconds, json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3, help="incremental runs of each kind")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        shutil.copytree(args.corpus, corpus)
        files = sorted(corpus.rglob("*.txt"))
        where = ["--corpus", str(corpus), "--index", str(index)]
        remarks("index", *where)  # warm the file cache and create the index
        rebuild_s, rebuild = remarks("index", "--rebuild", *where)
        add_s, change_s = [], []
        for i in range(args.repeat):
            shutil.copy(SEED, corpus / f"added-{i}.txt")
            seconds, report = remarks("index", *where)
            assert (report["added"], report["updated"]) == (1, 0), report
            add_s.append(seconds)
            target = files[i * 97 % len(files)]
            target.write_text(target.read_text(encoding="utf-8") + f"\nIvan Petrov: Edit {i}.\n")
            seconds, report = remarks("index", *where)
            assert (report["added"], report["updated"]) == (0, 1), report
            change_s.append(seconds)
    result = {
        "corpus": str(args.corpus.relative_to(ROOT.parent))
        if args.corpus.is_relative_to(ROOT.parent)
        else args.corpus.name,
        "transcripts": rebuild["transcripts"],
        "turns": rebuild["turns"],
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "rebuild_seconds": round(rebuild_s, 3),
        "add_one_seconds_median": round(statistics.median(add_s), 3),
        "change_one_seconds_median": round(statistics.median(change_s), 3),
        "add_one_seconds": [round(s, 3) for s in add_s],
        "change_one_seconds": [round(s, 3) for s in change_s],
    }
    result["add_ratio"] = round(result["add_one_seconds_median"] / rebuild_s, 4)
    result["change_ratio"] = round(result["change_one_seconds_median"] / rebuild_s, 4)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{result['transcripts']:,} transcripts, {result['turns']:,} turns")
    rows = [
        ("remarks index --rebuild", rebuild_s, 1.0),
        ("index after adding one", result["add_one_seconds_median"], result["add_ratio"]),
        ("index after changing one", result["change_one_seconds_median"], result["change_ratio"]),
    ]
    print(f"{'run':<28}{'seconds':>10}{'vs rebuild':>12}")
    for name, seconds, ratio in rows:
        print(f"{name:<28}{seconds:>10.2f}{ratio:>12.1%}")
    print(f"saved {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
