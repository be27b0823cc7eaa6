"""Choose ranking defaults by leave-one-collection-out, through the real engine.

    python -m benchmarks.loco [--collections ...]

Every collection (the eight classic ones and the judged transcript queries) is indexed once
by remarks; each candidate setting of the query-time ranking parameters (k1, b, text and
title scored together or apart, the short-turn factor, query-term saturation) is run through
`search()` on all of them, and the peers are run once on the same documents. Then, for each
collection in turn, a setting is chosen on the *other* collections and scored on the one
left out: that held-out score is what the defaults can be expected to do on a collection
nobody tuned for. The choice maximises the mean nDCG@10 over the training collections plus
the worst training collection's margin over the best peer there (a setting that wins on
average but loses badly somewhere is not a default). The setting chosen on all collections
is the default (`searcher/ranking.py`). Saves benchmarks/results/loco.json.
"""

import argparse
import itertools
import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks import engines
from benchmarks.collections import ROOT, load
from benchmarks.relevance import ALL, PEERS, score, transcript_collection
from searcher.ranking import RankingConfig

RESULTS = ROOT / "benchmarks" / "results" / "loco.json"
BEFORE = RankingConfig(
    k1=1.6, b=0.75, together={}, short_turn=0, query_term_saturation=0.0
)  # the defaults before issue 16


def candidates() -> dict[str, RankingConfig]:
    found = {"before issue 16": BEFORE}
    base = RankingConfig()
    grid = itertools.product((1.2, 1.6), (0.75, 0.9), (0.0, 2.0, 3.0), (5,), (0.0, 8.0))
    # the short-turn factor's own effect, measured at one setting (the lab measured it at all)
    for k1, b, title, short, k3 in [*grid, (1.2, 0.9, 3.0, 0, 8.0)]:
        together = {"text": 1.0, "title": title} if title else {}
        label = f"k1={k1} b={b} title_together={title:g} short={short} k3={k3:g}"
        found[label] = replace(
            base, k1=k1, b=b, together=together, short_turn=short, query_term_saturation=k3
        )
    return found


def objective(scores: dict[str, dict[str, float]], peers: dict[str, float], train) -> float:
    mean = sum(scores[c]["nDCG@10"] for c in train) / len(train)
    worst = min(scores[c]["nDCG@10"] - peers[c] for c in train)
    return mean + worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", nargs="+", default=ALL)
    args = parser.parse_args()
    started = time.time()
    load_before = os.getloadavg()
    tmp = Path(tempfile.mkdtemp())
    collections, indexes, peers = {}, {}, {}
    for name in args.collections:
        if name == "transcripts":
            collection, index = transcript_collection()
            by = "turn_id"
        else:
            collection = load(name)
            index = engines.remarks_index(collection.docs, tmp / name)
            by = "transcript"
        collections[name], indexes[name] = (collection, by), index
        peers[name] = max(
            score(collection.qrels, engine(collection.docs, collection.queries))["nDCG@10"]
            for engine in PEERS.values()
        )
        print(f"indexed {name}; best peer nDCG@10 {peers[name]:.4f}", flush=True)
    configs = candidates()
    results: dict[str, dict[str, dict[str, float]]] = {}
    for label, config in configs.items():
        results[label] = {}
        for name, (collection, by) in collections.items():
            run = engines.remarks_run(indexes[name], collection.queries, config, by=by)
            results[label][name] = score(collection.qrels, run)
        row = " ".join(f"{results[label][n]['nDCG@10']:.4f}" for n in collections)
        print(f"{label:<48} {row}", flush=True)
    names = list(collections)
    folds = {}
    for held in names:
        train = [n for n in names if n != held]
        chosen = max(results, key=lambda lab: objective(results[lab], peers, train))
        folds[held] = {
            "chosen": chosen,
            "held_out": results[chosen][held],
            "best_peer_nDCG@10": peers[held],
        }
    chosen_all = max(results, key=lambda lab: objective(results[lab], peers, names))
    print("\nleave one collection out (nDCG@10 of the setting chosen on the others):")
    for held, fold in folds.items():
        margin = fold["held_out"]["nDCG@10"] - fold["best_peer_nDCG@10"]
        print(
            f"{held:<12} {fold['held_out']['nDCG@10']:.4f} (best peer "
            f"{fold['best_peer_nDCG@10']:.4f}, {margin:+.4f})  chosen: {fold['chosen']}"
        )
    print(f"\nchosen on all: {chosen_all}")
    RESULTS.write_text(
        json.dumps(
            {
                "collections": names,
                "best_peer_nDCG@10": peers,
                "folds": folds,
                "chosen_on_all": chosen_all,
                "settings": {label: repr(config) for label, config in configs.items()},
                "scores": results,
                "load_before": load_before,
                "load_after": os.getloadavg(),
                "minutes": round((time.time() - started) / 60, 1),
            },
            indent=1,
        )
        + "\n"
    )
    print(f"saved {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
