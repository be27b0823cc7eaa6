"""Known-item search: does the turn someone half-remembers come back near the top?

    python -m benchmarks.known_items [--index PATH]

The queries are `tests/fixtures/known_items.tsv` (paraphrases written by hand of turns of
kremlin-en-all). Builds an index of ../shared/corpora/kremlin-en-all (or uses --index), runs
each query through `Index.search` and reports MRR@10, success@1 and success@3, with the
queries that miss the top 10. Saves benchmarks/results/known_items.json with the machine's
load before and after.
"""

import argparse
import csv
import json
import os
import tempfile
from pathlib import Path

from indexer.building.build import index_corpus
from searcher import open_index

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "known_items.json"
QUERIES = ROOT / "tests" / "fixtures" / "known_items.tsv"
CORPUS = ROOT.parent / "shared" / "corpora" / "kremlin-en-all"


def known_items() -> list[tuple[str, str]]:
    with open(QUERIES, encoding="utf-8") as f:
        rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
        return [(row["query"], row["turn_id"]) for row in rows]


def evaluate(index: Path) -> dict:
    ranks = {}
    with open_index(index) as opened:
        for query, turn_id in known_items():
            hits = [h.turn_id for h in opened.search(query, limit=10, snippets=False).hits]
            ranks[query] = hits.index(turn_id) + 1 if turn_id in hits else None
    n = len(ranks)
    return {
        "queries": n,
        "mrr_at_10": round(sum(1 / r for r in ranks.values() if r) / n, 4),
        "success_at_1": round(sum(r == 1 for r in ranks.values()) / n, 4),
        "success_at_3": round(sum(bool(r and r <= 3) for r in ranks.values()) / n, 4),
        "missed_top_10": sorted(q for q, r in ranks.items() if r is None),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="an index of kremlin-en-all to use")
    options = parser.parse_args()
    results: dict = {"load_before": os.getloadavg()}
    if options.index:
        results |= evaluate(options.index)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            index_corpus(CORPUS, Path(tmp) / "index")
            results |= evaluate(Path(tmp) / "index")
    results["load_after"] = os.getloadavg()
    print(json.dumps({k: v for k, v in results.items() if k != "missed_top_10"}))
    for query in results["missed_top_10"]:
        print("missed:", query)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"saved {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
