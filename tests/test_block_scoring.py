"""Scoring from posting blocks gives Whoosh's own BM25F scores, for every matching turn."""

import pytest
from whoosh import query as q
from whoosh.collectors import UnlimitedCollector

from searcher.block_scoring import block_scores
from searcher.matches import top_scores
from searcher.query import clean_query, parse_query
from searcher.ranking import add_closeness, weight_query_terms

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


def _whoosh_scores(searcher, query):
    collector = UnlimitedCollector()
    searcher.search_with_collector(query, collector)
    return {hit.docnum: hit.score for hit in collector.results()[:]}


def _search_query(turns, text):
    text = clean_query(text)
    parsed = weight_query_terms(parse_query(turns.parser, text), text)
    return add_closeness(parsed, text, turns.ranking)


def _assert_same_scores(searcher, query):
    ours = block_scores(query, searcher)
    theirs = _whoosh_scores(searcher, query)
    assert ours is not None and theirs
    assert ours.keys() == theirs.keys()
    for docnum, score in theirs.items():
        assert ours[docnum] == pytest.approx(score, rel=1e-12)


@pytest.mark.parametrize("text", PLAIN)
def test_block_scores_equal_whoosh_scores(turns, text):
    _assert_same_scores(turns.searcher, _search_query(turns, text))


def test_queries_it_cannot_score_are_left_to_whoosh(turns):
    assert block_scores(parse_query(turns.parser, '"Direct Line"~3'), turns.searcher) is None
    assert block_scores(q.Term("speaker", "vladimir putin"), turns.searcher) is None


def test_top_scores_orders_ties_by_document():
    scores = {7: 1.0, 3: 2.0, 5: 1.0, 1: 1.0, 9: 0.5}
    assert top_scores(scores, 3) == [(3, 2.0), (1, 1.0), (5, 1.0)]
    assert top_scores({}, 3) == []


@pytest.mark.parametrize(
    "text",
    [
        '"Direct Line"',
        '"United States"',
        '"economic growth" OR sanctions',
        '"the Ministry of Defence"',
    ],
)
def test_phrase_block_scores_equal_whoosh_scores(turns, text):
    _assert_same_scores(turns.searcher, parse_query(turns.parser, clean_query(text)))
