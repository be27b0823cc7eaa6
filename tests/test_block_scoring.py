"""Scoring from posting blocks gives Whoosh's own BM25F scores, for every matching turn."""

from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh import query as q
from whoosh.collectors import UnlimitedCollector

from indexer.storage.store import live_generation
from indexer.whoosh_ext.block_scoring import block_scores
from indexer.whoosh_ext.matches import top_scores
from searcher.query import clean_query, parse_query
from searcher.ranking import DEFAULT, TranscriptBM25F, add_closeness, weight_query_terms
from tests.stock import in_stock_whoosh

PLAIN = [
    "robots",
    "young people",
    "pension OR mortgage^2",
    "gas -oil",
    "sanctions sanctions economy",
    "putin",
    "role:governor",
    "robots AND industry",
]


def whoosh_scores(index_dir: str, queries: list) -> list[dict[int, float]]:
    """(In unpatched Whoosh) every matching turn's score under Whoosh's own searcher, with
    the ranking of remarks (the index has no deleted turns, so its statistics are Whoosh's).
    Whoosh is taught one thing: to read positions the way remarks stores them in a block."""
    from indexer.whoosh_ext.fixes import read_values_only

    read_values_only()
    ix = whoosh_index.open_dir(str(live_generation(Path(index_dir))))
    with ix.searcher(weighting=TranscriptBM25F(DEFAULT)) as searcher:
        found = []
        for query in queries:
            collector = UnlimitedCollector()
            searcher.search_with_collector(query, collector)
            found.append({hit.docnum: hit.score for hit in collector.results()[:]})
    return found


def _search_query(turns, text):
    text = clean_query(text)
    parsed = weight_query_terms(parse_query(turns.parser, text), text)
    return add_closeness(parsed, text, turns.ranking)


def _assert_same_scores(turns, bundled_index, queries):
    theirs = in_stock_whoosh("tests.test_block_scoring.whoosh_scores", str(bundled_index), queries)
    for query, whoosh in zip(queries, theirs, strict=True):
        ours = block_scores(query, turns.searcher)
        assert ours is not None and whoosh, query
        assert ours.keys() == whoosh.keys(), query
        for docnum, score in whoosh.items():
            assert ours[docnum] == pytest.approx(score, rel=1e-12), query


def test_block_scores_equal_whoosh_scores(turns, bundled_index):
    _assert_same_scores(turns, bundled_index, [_search_query(turns, t) for t in PLAIN])


def test_queries_it_cannot_score_are_left_to_whoosh(turns):
    assert block_scores(parse_query(turns.parser, '"Direct Line"~3'), turns.searcher) is None
    assert block_scores(q.Term("speaker", "vladimir putin"), turns.searcher) is None


def test_top_scores_orders_ties_by_document():
    scores = {7: 1.0, 3: 2.0, 5: 1.0, 1: 1.0, 9: 0.5}
    assert top_scores(scores, 3) == [(3, 2.0), (1, 1.0), (5, 1.0)]
    assert top_scores({}, 3) == []


PHRASES = [
    '"Direct Line"',
    '"United States"',
    '"economic growth" OR sanctions',
    '"the Ministry of Defence"',
]


def test_phrase_block_scores_equal_whoosh_scores(turns, bundled_index):
    queries = [parse_query(turns.parser, clean_query(text)) for text in PHRASES]
    _assert_same_scores(turns, bundled_index, queries)
