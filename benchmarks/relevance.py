"""Ranking quality: remarks against four peer engines on standard test collections.

    python -m benchmarks.relevance [--collections cranfield cisi … transcripts]

Each collection goes through every engine in the same run: remarks (its own indexer,
analyzer and searcher), stock Whoosh (StemmingAnalyzer), tantivy (en_stem), SQLite FTS5
(porter unicode61, bm25()) and bm25s (PyStemmer). Runs are scored with ir-measures:
nDCG@10, MAP (AP over the top 1,000), Recall@100 and MRR. Prints a table and saves
benchmarks/results/relevance.json and relevance.png.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import ir_measures
from ir_measures import AP, RR, R, nDCG

from benchmarks import engines
from benchmarks.collections import ROOT, Collection, Doc, load, load_transcript_set

MEASURES = [nDCG @ 10, AP, R @ 100, RR]
NAMES = {"nDCG@10": "nDCG@10", "AP": "MAP", "R@100": "R@100", "RR": "MRR"}
RESULTS = ROOT / "benchmarks" / "results"
ALL = ["cranfield", "cisi", "med", "cacm", "npl", "lisa", "time", "adi", "transcripts"]
PEERS = {
    "whoosh-stock": engines.whoosh_stock_run,
    "tantivy": engines.tantivy_run,
    "sqlite-fts5": engines.fts5_run,
    "bm25s": engines.bm25s_run,
}


def score(qrels, run) -> dict[str, float]:
    """Return the mean of each measure over the judged queries (a query with no hits is 0)."""
    values = ir_measures.calc_aggregate(MEASURES, qrels, run)
    return {NAMES[str(m)]: round(float(values[m]), 4) for m in MEASURES}


def evaluate_collection(collection: Collection) -> dict[str, dict[str, float]]:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        index = engines.remarks_index(collection.docs, Path(tmp))
        run = engines.remarks_run(index, collection.queries)
        results["remarks"] = score(collection.qrels, run)
        results["remarks"]["seconds"] = round(time.perf_counter() - started, 1)
    for name, engine in PEERS.items():
        started = time.perf_counter()
        run = engine(collection.docs, collection.queries)
        results[name] = score(collection.qrels, run)
        results[name]["seconds"] = round(time.perf_counter() - started, 1)
    return results


def transcript_collection() -> tuple[Collection, Path]:
    """The judged transcript queries over the bundled corpus, as a collection of turns."""
    from indexer.building.build import index_corpus
    from indexer.parsing.reading import find_transcripts, read_transcript

    corpus = ROOT / "corpus"
    docs = []
    for path in find_transcripts(corpus):
        t = read_transcript(path, corpus)
        docs += [Doc(t.turn_id(turn), t.title, turn.text) for turn in t.turns]
    queries, qrels = load_transcript_set()
    index = Path(tempfile.mkdtemp()) / "index"
    index_corpus(corpus, index)
    return Collection("transcripts", docs, queries, qrels), index


def evaluate_transcripts() -> dict[str, dict[str, float]]:
    from searcher.search import search
    from searcher.session import TurnIndex

    collection, index = transcript_collection()
    results = {}
    with TurnIndex(index) as turns:
        run = {
            qid: {h.turn_id: h.score for h in search(turns, text, limit=100, snippets=False).hits}
            for qid, text in collection.queries.items()
        }
    results["remarks"] = score(collection.qrels, run)
    for name, engine in PEERS.items():
        results[name] = score(collection.qrels, engine(collection.docs, collection.queries))
    return results


def print_table(name: str, results: dict[str, dict[str, float]]) -> None:
    print(f"\n{name}")
    print(f"{'engine':<14}" + "".join(f"{m:>10}" for m in NAMES.values()))
    for engine, values in results.items():
        print(f"{engine:<14}" + "".join(f"{values[m]:>10.4f}" for m in NAMES.values()))


def plot(all_results: dict[str, dict[str, dict[str, float]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(all_results)
    fig, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 4), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        results = all_results[name]
        engines_ = list(results)
        width = 0.4
        xs = range(len(engines_))
        for shift, measure in ((-width / 2, "nDCG@10"), (width / 2, "MAP")):
            heights = [results[e][measure] for e in engines_]
            ax.bar([x + shift for x in xs], heights, width, label=measure)
        ax.set_xticks(list(xs), engines_, rotation=30, ha="right")
        ax.set_title(name)
        ax.set_ylim(0, max(max(r["nDCG@10"], r["MAP"]) for r in results.values()) * 1.2)
        ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", nargs="+", default=ALL)
    args = parser.parse_args()
    all_results = {}
    for name in args.collections:
        if name == "transcripts":
            all_results[name] = evaluate_transcripts()
        else:
            all_results[name] = evaluate_collection(load(name))
        print_table(name, all_results[name])
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "relevance.json").write_text(json.dumps(all_results, indent=2) + "\n")
    plot(all_results, RESULTS / "relevance.png")
    print(f"\nsaved {RESULTS.relative_to(ROOT)}/relevance.json and relevance.png")


if __name__ == "__main__":
    main()
