"""Tune remarks' ranking on one test collection and check the choice on the other.

    python -m benchmarks.tune_ranking [--tune cranfield] [--check cisi]

Stage by stage, each stage keeping the best value of the last: idf and query-term frequency,
dropping function words from long questions, the stop list (index time; or fixed with
--stop-list), k1 and b, the title weight, and bonuses for query words found close together
(a sloppy phrase) or all together. Every
configuration is scored on both collections and on the judged transcript queries
(tests/relevance) in the same run; the choice is made on `--tune` only, and the table shows
what it does on the others. Saves benchmarks/results/tuning-<tune>.json.
"""

import argparse
import itertools
import json
import tempfile
from dataclasses import asdict, replace
from pathlib import Path

from benchmarks import engines
from benchmarks.collections import ROOT, Collection, load, load_transcript_set
from benchmarks.relevance import score
from indexer import analysis
from searcher.ranking import QUERY_STOP_WORDS, RankingConfig

# A longer list of English function words (the one searches drop from long questions), tried
# as an index-time stop list against Lucene's short one.
EXTENDED_STOP_WORDS = QUERY_STOP_WORDS
STOP_LISTS = {"lucene": analysis.STOP_WORDS, "extended": EXTENDED_STOP_WORDS, "none": frozenset()}


def build(collection, stop_list: str, folder: Path) -> Path:
    stop_words = STOP_LISTS[stop_list]  # kept by the index; its searches use it too
    if collection.name == "transcripts":
        from indexer.building.build import index_corpus

        index_corpus(ROOT / "corpus", folder / "index", stop_words=stop_words)
        return folder / "index"
    return engines.remarks_index(collection.docs, folder, stop_words=stop_words)


def measure(collections, indexes, config: RankingConfig) -> dict[str, dict[str, float]]:
    scores = {}
    for c in collections:
        by = "turn_id" if c.name == "transcripts" else "transcript"
        run = engines.remarks_run(indexes[c.name], c.queries, config, by=by)
        scores[c.name] = score(c.qrels, run)
    return scores


def transcripts() -> Collection:
    queries, qrels = load_transcript_set()
    return Collection("transcripts", [], queries, qrels)


def describe(scores: dict[str, dict[str, float]]) -> str:
    return " | ".join(
        f"{name} nDCG@10 {s['nDCG@10']:.4f} MAP {s['MAP']:.4f}" for name, s in scores.items()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", default="cranfield")
    parser.add_argument("--check", default="cisi")
    parser.add_argument("--stop-list", choices=["auto", *STOP_LISTS], default="auto")
    args = parser.parse_args()
    collections = [load(args.tune), load(args.check), transcripts()]
    tmp = Path(tempfile.mkdtemp())
    log: list[dict] = []

    def run_stage(stage: str, candidates, indexes):
        best = None
        for label, config in candidates:
            scores = measure(collections, indexes, config)
            log.append({"stage": stage, "config": label, **scores})
            tuned = scores[args.tune]
            print(f"{stage:<10}{label:<30}" + describe(scores))
            key = tuned["nDCG@10"] + tuned["MAP"]
            if best is None or key > best[0]:
                best = (key, label, config)
        print(f"  → {best[1]}")
        return best[2], best[1]

    stops = list(STOP_LISTS) if args.stop_list == "auto" else [args.stop_list]
    indexes = {}
    for stop in stops:
        for c in collections:
            indexes[(stop, c.name)] = build(c, stop, tmp / f"{stop}-{c.name}")
    by_stop = {s: {c.name: indexes[(s, c.name)] for c in collections} for s in stops}

    base = RankingConfig()
    candidates = [
        (f"bm25_idf={i} qtf={f}", replace(base, bm25_idf=i, query_term_frequency=f))
        for i, f in itertools.product([False, True], [False, True])
    ]
    config, _ = run_stage("idf/qtf", candidates, by_stop[stops[0]])

    candidates = [
        (f"long_query_words={n}", replace(config, long_query_words=n)) for n in (0, 6, 8, 12)
    ]
    config, _ = run_stage("questions", candidates, by_stop[stops[0]])

    best_stop, best_key = stops[0], None
    for stop in stops:
        scores = measure(collections, by_stop[stop], config)
        log.append({"stage": "stop list", "config": stop, **scores})
        t = scores[args.tune]
        print(f"{'stop list':<10}{stop:<30}" + describe(scores))
        if best_key is None or t["nDCG@10"] + t["MAP"] > best_key:
            best_stop, best_key = stop, t["nDCG@10"] + t["MAP"]
    print(f"  → {best_stop}")
    chosen = by_stop[best_stop]

    candidates = [
        (f"k1={k1} b={b}", replace(config, k1=k1, b=b))
        for k1, b in itertools.product([0.8, 1.2, 1.6, 2.0], [0.4, 0.6, 0.75, 0.9])
    ]
    config, _ = run_stage("k1/b", candidates, chosen)

    candidates = [
        (f"title={w}", replace(config, fields={**config.fields, "title": w}))
        for w in (0.0, 0.15, 0.3, 0.6, 1.0)
    ]
    config, _ = run_stage("title", candidates, chosen)

    candidates = [
        (f"proximity={p} all_words={a}", replace(config, proximity=p, all_words=a))
        for p, a in ((0.0, 0.0), (0.3, 0.0), (1.0, 0.0), (0.0, 0.3), (0.0, 1.0))
    ]
    config, _ = run_stage("closeness", candidates, chosen)

    final = {"stop_list": best_stop, **asdict(config)}
    print("\nchosen:", json.dumps(final))
    suffix = "" if args.stop_list == "auto" else f"-{args.stop_list}"
    out = ROOT / "benchmarks" / "results" / f"tuning-{args.tune}{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"tuned_on": args.tune, "checked_on": args.check, "chosen": final, "runs": log},
            indent=1,
        )
        + "\n"
    )
    print(f"saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
