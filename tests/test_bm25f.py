"""Ranking of issue 16: text and title scored as one field (BM25F), short turns, queries in
capitals, and the known-item floor."""

import csv
import re
from dataclasses import replace
from math import log
from pathlib import Path

import pytest
from whoosh.collectors import UnlimitedCollector
from whoosh.util.numeric import byte_to_length, length_to_byte

from indexer.building.build import index_corpus
from indexer.whoosh_ext.block_scoring import block_scores
from indexer.whoosh_ext.bm25f import FieldsTerm
from searcher import open_index
from searcher.ranking import DEFAULT, is_plain
from searcher.search import search
from searcher.session import TurnIndex
from tests.conftest import CORPUS, SEED_ID, shared

S = SEED_ID
KNOWN_ITEMS = Path(__file__).parent / "fixtures" / "known_items.tsv"


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory) -> Path:
    """An index of the seed transcript alone."""
    folder = tmp_path_factory.mktemp("seed")
    (folder / "corpus").mkdir()
    seed = CORPUS / f"{S}.txt"
    (folder / "corpus" / seed.name).write_text(seed.read_text(encoding="utf-8"))
    index_corpus(folder / "corpus", folder / "index")
    return folder / "index"


def stored_length(n: int) -> int:
    return byte_to_length(length_to_byte(n))


def reference_scores(turns, word: str, weights: dict[str, float]) -> dict[int, float]:
    """BM25F written out from the turns' own text: frequencies and lengths summed with the
    field weights, one saturation, idf over the turns holding the word in any field."""
    analyzer = turns.analyzers.text
    searcher = turns.searcher
    k1, b = DEFAULT.k1, DEFAULT.b
    n = searcher.doc_count()
    found = {}
    for docnum, fields in enumerate(searcher.all_stored_fields()):
        tf = length = 0.0
        for f, w in weights.items():
            terms = [t.text for t in analyzer(fields.get(f) or "")]
            tf += w * terms.count(word)
            length += w * stored_length(len(terms))
        if tf:
            found[docnum] = (tf, length)
    average = sum(w * searcher.avg_field_length(f) for f, w in weights.items())
    idf = log(1 + (n - len(found) + 0.5) / (len(found) + 0.5))
    return {
        d: idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average))
        for d, (tf, length) in found.items()
    }


@pytest.mark.parametrize("word", ["robot", "pension", "chelyabinsk", "direct", "question"])
def test_fields_term_scores_are_bm25f(seed_index, word):
    """Scored from the posting blocks, as the formula written out gives (short-turn factor
    off), with words found in the title only, the text only, and both."""
    ranking = replace(DEFAULT, short_turn=0)
    with TurnIndex(seed_index, ranking) as turns:
        node = FieldsTerm(word, {"text": 1.0, "title": 3.0})
        ours = block_scores(node, turns.searcher)
        expected = reference_scores(turns, word, {"text": 1.0, "title": 3.0})
    assert ours is not None and expected
    assert ours.keys() == expected.keys()
    for docnum, score in expected.items():
        assert ours[docnum] == pytest.approx(score, rel=1e-9)


def test_title_words_count_for_every_turn_of_a_transcript(seed_index):
    with TurnIndex(seed_index) as turns:
        scores = block_scores(
            FieldsTerm("chelyabinsk", {"text": 1.0, "title": 3.0}), turns.searcher
        )
        assert scores is not None
        assert len(scores) == turns.searcher.doc_count()  # the seed's title names Chelyabinsk


def test_whoosh_path_gives_the_block_scores(seed_index):
    """A query the block scorer leaves to Whoosh still scores a word BM25F's way."""
    with TurnIndex(seed_index) as turns:
        node = FieldsTerm("robot", {"text": 1.0, "title": 3.0}, boost=1.5)
        collector = UnlimitedCollector()
        turns.searcher.search_with_collector(node, collector)
        whoosh = {hit.docnum: hit.score for hit in collector.results()[:]}
        ours = block_scores(node, turns.searcher)
    assert ours is not None and whoosh.keys() == ours.keys()
    for docnum, score in ours.items():
        assert whoosh[docnum] == pytest.approx(score, rel=1e-12)


def test_search_scores_plain_words_together(seed_index):
    with TurnIndex(seed_index) as turns:
        plain = search(turns, "robots", limit=50, snippets=False)
        unmerged = replace(DEFAULT, together={})
    with TurnIndex(seed_index, unmerged) as turns:
        separate = search(turns, "robots", limit=50, snippets=False)
    assert plain.total == separate.total  # which turns match does not change, only scores
    assert [h.score for h in plain.hits] != [h.score for h in separate.hits]


def test_short_turns_weigh_less(seed_index):
    """ "Chessboxing?" (one word) scores (1/5) ** 0.5 of what it would without the rule."""
    with TurnIndex(seed_index) as turns:
        with_rule = {h.turn_id: h.score for h in search(turns, "chessboxing", limit=20).hits}
    with TurnIndex(seed_index, replace(DEFAULT, short_turn=0)) as turns:
        without = {h.turn_id: h.score for h in search(turns, "chessboxing", limit=20).hits}
    assert with_rule[f"{S}:28"] == pytest.approx(without[f"{S}:28"] * (1 / 5) ** 0.5)
    long_turns = [t for t in without if t != f"{S}:28" and t != f"{S}:30"]
    assert long_turns and all(with_rule[t] == pytest.approx(without[t]) for t in long_turns)


def test_a_short_turn_is_not_the_answer_to_a_long_question(turns):
    hits = search(turns, "pension for people who worked abroad", limit=3).hits
    assert all(len(h.text.split()) >= 5 for h in hits), [h.text for h in hits]
    assert f"{S}:37" in [h.turn_id for h in hits]


def test_a_query_in_capitals_reads_and_or_not_as_words(turns):
    capitals = search(turns, "PENSION AND ROBOTS", limit=5)
    words = search(turns, "pension and robots", limit=5)
    operator = search(turns, "pension AND robots", limit=5)
    assert capitals.total == words.total > operator.total
    assert [h.turn_id for h in capitals.hits] == [h.turn_id for h in words.hits]
    assert not is_plain("pension AND robots") and is_plain("SIMD AND MIMD (MACHINES)")
    assert is_plain("time sharing (TSS) systems") and not is_plain("title:pension")


def known_items() -> list[tuple[str, str]]:
    with open(KNOWN_ITEMS, encoding="utf-8") as f:
        rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
        return [(row["query"], row["turn_id"]) for row in rows]


# MRR@10 on the known-item queries was 0.886 before issue 16 and 0.902 after it; the floor
# leaves room for one query to slip a place, not for the ranking to fall back.
KNOWN_ITEM_FLOOR = 0.89


def test_known_item_searches_find_the_turn(tmp_path):
    """Fifty-odd turns of kremlin-en-all, each searched for as someone half-remembers it
    (tests/fixtures/known_items.tsv): the turn comes back near the top."""
    items = known_items()
    assert len(items) >= 50
    index_corpus(shared("kremlin-en-all"), tmp_path / "index")
    reciprocal = []
    with open_index(tmp_path / "index") as opened:
        for query, turn_id in items:
            # Ranking, not speed, is under test: a busy machine must not hit the 5 s budget.
            found = opened.search(query, limit=10, snippets=False, seconds=120)
            hits = [h.turn_id for h in found.hits]
            reciprocal.append(1 / (hits.index(turn_id) + 1) if turn_id in hits else 0.0)
    mrr = sum(reciprocal) / len(reciprocal)
    assert mrr >= KNOWN_ITEM_FLOOR, f"MRR@10 {mrr:.3f} fell below {KNOWN_ITEM_FLOOR}"


def whole_word(word: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE) is not None


def test_exact_word_does_not_match_other_forms(turns):
    """`=expenses` finds the word as written; `expenses` also finds "expensive" (one stem)."""
    exact = search(turns, "=expenses", limit=100, snippets=False)
    stemmed = search(turns, "expenses", limit=200, snippets=False)
    assert exact.total and all(whole_word("expenses", h.text) for h in exact.hits)
    assert exact.total == sum(whole_word("expenses", h.text) for h in stemmed.hits)
    assert any(whole_word("expensive", h.text) for h in stemmed.hits)
    assert stemmed.total > exact.total
    same = search(turns, "exact:expenses", limit=100, snippets=False)
    assert [h.turn_id for h in same.hits] == [h.turn_id for h in exact.hits]


def test_exact_phrase_keeps_word_forms(turns):
    exact = search(turns, '="Western brands"', limit=10)
    assert exact.total == 1 and "Western brands" in exact.hits[0].text
    assert [exact.hits[0].snippet[s:e] for s, e in exact.hits[0].highlights] == [
        "Western",
        "brands",
    ]
    assert search(turns, '="western brand"').total == 0  # not as spoken
    assert search(turns, '"western brand"').total == 1  # stemmed phrase


def test_exact_words_combine_with_the_rest_of_the_syntax(turns):
    both = search(turns, "=expenses -=expensive", limit=100, snippets=False)
    assert both.total and all(not whole_word("expensive", h.text) for h in both.hits)
    assert all(whole_word("expenses", h.text) for h in both.hits)
