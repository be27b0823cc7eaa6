"""The judged transcript queries (tests/relevance): ranking must not fall below its record."""

import json

import ir_measures
from ir_measures import nDCG

from searcher.search import search
from tests.conftest import ROOT

FOLDER = ROOT / "tests" / "relevance"
MARGIN = 0.02


def test_judged_transcript_queries_keep_their_ndcg(turns):
    queries = {}
    for line in (FOLDER / "queries.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        qid, text = line.split("\t")
        queries[qid] = text
    qrels = list(ir_measures.read_trec_qrels(str(FOLDER / "qrels.trec")))
    assert len(queries) >= 30 and {q.query_id for q in qrels} == set(queries)
    run = {
        qid: {h.turn_id: h.score for h in search(turns, text, limit=100, snippets=False).hits}
        for qid, text in queries.items()
    }
    measured = ir_measures.calc_aggregate([nDCG @ 10], qrels, run)[nDCG @ 10]
    recorded = json.loads((FOLDER / "baseline.json").read_text())["nDCG@10"]
    assert measured >= recorded - MARGIN, f"nDCG@10 {measured:.4f}, recorded {recorded:.4f}"
