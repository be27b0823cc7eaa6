"""Quote checks: success and latency of `remarks quote` on misremembered quotes.

    python -m benchmarks.quotes [--corpora bundled kremlin-en-all]

The quotes are `tests/fixtures/misremembered_quotes.tsv` (sentences of the bundled corpus as
someone might remember them). For each corpus: build an index, then check every quote twice
in one process — the first pass cold (the index just opened), the second warm, as a server
answers — and once through the command line in its own process (what a user waits for).
Success: the right turn first. Reports success@1, success@3, and latency median and max;
saves benchmarks/results/quotes.json with the machine's load before and after.
"""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from indexer.building.build import index_corpus
from searcher import open_index

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "quotes.json"
QUOTES = ROOT / "tests" / "fixtures" / "misremembered_quotes.tsv"
CORPORA = {
    "bundled": ROOT / "corpus",
    "kremlin-en-all": ROOT.parent / "shared/corpora/kremlin-en-all",
}
CLI = [sys.executable, "-m", "searcher.app.cli"]


def quotes() -> list[tuple[str, str]]:
    with open(QUOTES, encoding="utf-8") as f:
        rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
        return [(row["quote"], row["turn_id"]) for row in rows]


def turn_key(turn_id: str) -> str:
    """The bundled corpus names files `DATE_ID_slug`, kremlin-en-all `DATE_ID`: compare by
    date, id and turn number."""
    transcript, seq = turn_id.rsplit(":", 1)
    return "_".join(transcript.split("/")[-1].split("_")[:2]) + ":" + seq


def run(name: str, corpus: Path, work: Path) -> dict:
    index = work / name
    started = time.perf_counter()
    index_corpus(corpus, index)
    built = time.perf_counter() - started
    found = {"first": 0, "top3": 0}
    passes: dict[str, list[float]] = {"cold": [], "warm": []}
    with open_index(index) as opened:
        for label in ("cold", "warm"):
            for quote, turn_id in quotes():
                t0 = time.perf_counter()
                result = opened.quote(quote)
                passes[label].append(time.perf_counter() - t0)
                if label == "warm":
                    keys = [turn_key(m.turn.turn_id) for m in result.matches]
                    found["first"] += bool(keys) and keys[0] == turn_key(turn_id)
                    found["top3"] += turn_key(turn_id) in keys[:3]
    cli = []
    for quote, _ in quotes()[:5]:
        t0 = time.perf_counter()
        subprocess.run(
            [*CLI, "quote", quote, "--index", str(index)], capture_output=True, check=True
        )
        cli.append(time.perf_counter() - t0)
    n = len(quotes())
    return {
        "quotes": n,
        "build_seconds": round(built, 1),
        "success_at_1": round(found["first"] / n, 3),
        "success_at_3": round(found["top3"] / n, 3),
        **{
            f"{label}_seconds_median": round(statistics.median(values), 3)
            for label, values in passes.items()
        },
        **{f"{label}_seconds_max": round(max(values), 3) for label, values in passes.items()},
        "cli_seconds_median": round(statistics.median(cli), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", nargs="+", default=list(CORPORA))
    options = parser.parse_args()
    results: dict = {"load_before": os.getloadavg(), "corpora": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name in options.corpora:
            results["corpora"][name] = run(name, CORPORA[name], Path(tmp))
            print(name, json.dumps(results["corpora"][name]))
    results["load_after"] = os.getloadavg()
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"saved {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
