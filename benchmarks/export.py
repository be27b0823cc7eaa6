"""Export speed and memory: every turn of a large index written as CSV and as JSON Lines,
through the command line as a user's script would run it.

    python -m benchmarks.export [--sizes 10000 100000]

For each size, a corpus generated from real turns (`benchmarks.scale.generate`) is indexed,
then `remarks export --format csv|jsonl -o FILE` and `remarks search WORD --limit all
--format csv` run in their own processes: wall time, rows per second, peak resident memory
and peak anonymous memory (the heap: resident memory also counts the index's pages read
through its memory map). Heap that stays flat from the smaller size to the larger one shows
the rows are streamed, not held. Saves benchmarks/results/export.json.
"""

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.scale import generate

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "export.json"
CLI = [sys.executable, "-m", "searcher.app.cli"]


def timed(args: list[str], out: Path | None = None) -> dict:
    """Run one `remarks` command in a child process: wall seconds, that child's peak RSS
    (`wait4`), and its peak anonymous memory (heap, sampled from /proc every 20 ms: RSS
    also counts the pages of the index files it has read through their memory map)."""
    started = time.perf_counter()
    with out.open("w") if out else open(os.devnull, "w") as target:
        proc = subprocess.Popen([*CLI, *args], cwd=ROOT, stdout=target, stderr=subprocess.PIPE)
        peak_anon = [0]
        done = threading.Event()

        def sample() -> None:
            status = Path(f"/proc/{proc.pid}/status")
            while not done.is_set():
                try:
                    for line in status.read_text().splitlines():
                        if line.startswith("RssAnon:"):
                            peak_anon[0] = max(peak_anon[0], int(line.split()[1]))
                except (OSError, ValueError):
                    pass
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
        sampler.join()
    seconds = time.perf_counter() - started
    assert proc.stderr is not None
    error = proc.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(error[-500:])
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "peak_anon_mb": round(peak_anon[0] / 1024, 1),
    }


def rows_in(path: Path, fmt: str) -> int:
    """Rows written: CSV records (a turn's text may span lines), or JSON lines."""
    with path.open(encoding="utf-8", newline="") as f:
        if fmt == "csv":
            return sum(1 for _ in csv.reader(f)) - 1  # the header
        return sum(1 for _ in f)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    options = parser.parse_args()
    results = {"load_before": os.getloadavg(), "sizes": {}}
    for size in options.sizes:
        folder = Path(tempfile.mkdtemp(prefix=f"export-{size}-"))
        try:
            generate(size, folder / "corpus")
            index = folder / "index"
            build = timed(
                ["index", "--corpus", str(folder / "corpus"), "--index", str(index), "-q"]
            )
            row = {"build_seconds": build["seconds"]}
            for fmt in ("csv", "jsonl"):
                out = folder / f"all.{fmt}"
                measured = timed(["export", "--format", fmt, "-o", str(out), "--index", str(index)])
                rows = rows_in(out, fmt)
                row[f"export_{fmt}"] = {
                    **measured,
                    "rows": rows,
                    "rows_per_s": round(rows / measured["seconds"]),
                    "mb": round(out.stat().st_size / 1e6, 1),
                }
            out = folder / "search.csv"
            args = ["search", "people", "--limit", "all", "--format", "csv", "--index", str(index)]
            measured = timed(args, out)
            rows = rows_in(out, "csv")
            row["search_all_csv"] = {
                **measured,
                "rows": rows,
                "rows_per_s": round(rows / measured["seconds"]),
            }
            results["sizes"][str(size)] = row
            print(size, json.dumps(row), flush=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    results["load_after"] = os.getloadavg()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(f"saved {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
