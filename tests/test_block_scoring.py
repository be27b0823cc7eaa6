"""Scoring from posting blocks gives Whoosh's own BM25F scores, for every matching turn."""

import random
import shutil
import zlib
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh import query as q
from whoosh.collectors import UnlimitedCollector
from whoosh.system import unpack_uint

from indexer.building.build import index_corpus
from indexer.storage.store import live_generation
from indexer.whoosh_ext.block_scoring import block_scores
from indexer.whoosh_ext.blocks import per_segment, posting_blocks
from indexer.whoosh_ext.bm25f import FieldsTerm
from indexer.whoosh_ext.matches import matching_docs, top_scores
from searcher.query import Filters, clean_query, make_filter, parse_query
from searcher.ranking import DEFAULT, TranscriptBM25F, add_closeness, weight_query_terms
from searcher.search import prepare_search
from searcher.session import TurnIndex
from tests.conftest import CORPUS
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
    "economy AND growth AND investment",
    "sanctions AND (gas OR oil) -Ukraine",
    "president AND russia AND economy -robots",
    # An or-query inside an and-query: a turn the and-query matches is one of some of its
    # words' turns, not of every word's.
    "(pension OR sanctions OR robots) AND russia",
    "young AND (people OR gas) AND (oil OR country)",
]


def whoosh_scores(index_dir: str, queries: list) -> list[dict[int, float]]:
    """(In unpatched Whoosh) every matching turn's score under Whoosh's own searcher, with
    the ranking of remarks (the index has no deleted turns, so its statistics are Whoosh's).
    Whoosh is taught one thing: to read a posting block the way remarks stores it."""
    from indexer.whoosh_ext.fixes import read_blocks_only

    read_blocks_only()
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


FILTERED = [
    *PLAIN,
    *PHRASES,
    "econom*",
    "sanctions -oil",
    '"Direct Line" OR robots',
    '"Direct Line" AND question -answer',
]


def _filters(turns) -> dict[str, set[int]]:
    """Sets of allowed turns of every shape: a speaker's, one transcript's (a contiguous run),
    a random tenth, one turn, none."""
    searcher = turns.searcher
    count = searcher.doc_count_all()
    putin = turns.allowed_docs(make_filter(Filters(speaker="Putin"), turns.analyzers))
    first = searcher.reader().column_reader("transcript")[0]
    one_transcript = matching_docs(q.Term("transcript", first), searcher)
    return {
        "speaker": putin,
        "transcript": one_transcript,
        "random tenth": set(random.Random(20).sample(range(count), count // 10)),
        "one turn": {count // 2},
        "none": set(),
    }


def _assert_filter_only_leaves_out(bundled_index, texts):
    with TurnIndex(bundled_index) as turns:
        filters = _filters(turns)
    for name, allowed in filters.items():
        assert name == "none" or allowed, name
        # A fresh index each time: the first filtered search of a word counts the idf's
        # turns as it reads; once any search has counted them, a filtered one skips blocks.
        with TurnIndex(bundled_index) as turns:
            queries = [prepare_search(turns, text, None, 60, None).parsed for text in texts]
            first = [block_scores(query, turns.searcher, allowed) for query in queries]
            for query, scores in zip(queries, first, strict=True):
                whole = block_scores(query, turns.searcher)
                assert whole is not None, query
                expected = {d: s for d, s in whole.items() if d in allowed}
                assert scores == pytest.approx(expected), (name, query)
                again = block_scores(query, turns.searcher, allowed)
                assert again == pytest.approx(expected), (name, query)
    assert any(_has_fields_term(query) for query in queries)


def _has_fields_term(node) -> bool:
    return isinstance(node, FieldsTerm) or any(_has_fields_term(c) for c in node.children())


def test_a_filter_leaves_turns_out_and_changes_no_score(bundled_index):
    _assert_filter_only_leaves_out(bundled_index, FILTERED)


def test_a_filter_on_an_index_with_deleted_turns(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    names = sorted(p.name for p in CORPUS.glob("*.txt"))[:4]
    for name in names:
        shutil.copy(CORPUS / name, corpus)
    index = tmp_path / "index"
    index_corpus(corpus, index)
    changed = corpus / names[0]
    lines = changed.read_text(encoding="utf-8").splitlines(keepends=True)
    changed.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    assert index_corpus(corpus, index).updated == 1
    with TurnIndex(index) as opened:
        reader = opened.searcher.reader()
        assert any(leaf.has_deletions() for leaf, _ in reader.leaf_readers())
        deleted = {
            base + d
            for leaf, base in reader.leaf_readers()
            if leaf.has_deletions()
            for d in leaf.deleted_docs_set
        }
        queries = [prepare_search(opened, text, None, 60, None).parsed for text in FILTERED]
        for query in queries:
            whole = block_scores(query, opened.searcher)
            assert whole is not None and not whole.keys() & deleted
            # A filter's set holding deleted turns still gives live turns only.
            allowed = deleted | set(range(0, opened.searcher.doc_count_all(), 3))
            expected = {d: s for d, s in whole.items() if d in allowed}
            assert block_scores(query, opened.searcher, allowed) == pytest.approx(expected)


def test_blocks_without_an_allowed_turn_are_not_read(turns):
    searcher = turns.searcher
    reader = searcher.reader()
    leaves = list(reader.leaf_readers())
    field = searcher.schema["text"]
    btext = field.to_bytes("russia")
    first = reader.column_reader("transcript")[0]
    allowed = matching_docs(q.Term("transcript", first), searcher)
    within = per_segment(allowed, leaves)
    total = read = 0
    found: set[int] = set()
    for (leaf, base), segment in zip(leaves, within, strict=True):
        if ("text", btext) not in leaf:
            continue
        total += sum(1 for _ in posting_blocks(leaf._terms.matcher("text", btext, field.format)))
        matcher = leaf._terms.matcher("text", btext, field.format)
        for ids, _, _ in posting_blocks(matcher, segment):
            read += 1
            found.update(base + d for d in ids if d in segment.ids)
    every = matching_docs(q.Term("text", "russia"), searcher)
    assert found == every & allowed and found
    assert 0 < read < total


def _check_part(part, kinds: dict[str, int]) -> None:
    """A part of a block is deflated only when smaller, else a pickle as it was."""
    part = bytes(part)
    if part[:1] == b"x":
        kinds["deflated"] += 1
        assert len(part) < len(zlib.decompress(part))
    else:
        kinds["plain"] += 1
        assert part[:1] in (b"\x80", b"\x01")  # a pickle, or packed values (fixes.py)
        assert len(part) < 20 or len(zlib.compress(part, 3)) >= len(part)  # W3Codec's level


def test_a_block_is_deflated_only_when_that_makes_it_smaller(turns):
    reader = turns.searcher.reader()
    kinds = {"deflated": 0, "plain": 0}
    parts = {"deflated": 0, "plain": 0}
    split = 0
    for leaf, _ in reader.leaf_readers():
        for fieldname, btext in list(leaf.all_terms())[::7]:
            field = leaf.schema[fieldname]
            matcher = leaf._terms.matcher(fieldname, btext, field.format)
            while matcher.is_active():
                stored = matcher._postfile.get(
                    matcher._dataoffset, matcher._nextoffset - matcher._dataoffset
                )
                if matcher._compression == -1:  # positions apart from documents and weights
                    split += 1
                    (length,) = unpack_uint(stored[:4])
                    _check_part(stored[4 : 4 + length], parts)
                    _check_part(stored[4 + length :], parts)
                    assert field.format.supports("positions")
                elif matcher._compression:
                    kinds["deflated"] += 1
                    assert len(stored) < len(zlib.decompress(stored))
                else:
                    kinds["plain"] += 1
                    deflated = zlib.compress(stored, 3)  # W3Codec's level
                    assert len(stored) < 20 or len(deflated) >= len(stored)
                matcher._next_block()
    assert kinds["deflated"] and kinds["plain"] and parts["deflated"] and parts["plain"]
    assert split


def test_scoring_reads_a_positions_block_without_inflating_its_positions(turns):
    reader = turns.searcher.reader()
    field = turns.searcher.schema["text"]
    btext = field.to_bytes("russia")
    checked = 0
    for leaf, _ in reader.leaf_readers():
        if ("text", btext) not in leaf:
            continue
        matcher = leaf._terms.matcher("text", btext, field.format)
        for ids, weights, _ in posting_blocks(matcher):
            packed = matcher._data[2]  # the positions, still as stored
            assert isinstance(packed, bytes | memoryview) and bytes(packed[:1]) in (b"x", b"\x01")
            matcher._read_values()
            assert len(matcher._values) == len(ids)
            positions = [field.format.decode_positions(v) for v in matcher._values]
            assert [len(found) for found in positions] == [int(w) for w in weights]
            checked += 1
    assert checked


def test_packed_values_read_back_as_written():
    from indexer.whoosh_ext.fixes import PackedValues, _values_part

    for values in ([b"a", b"", b"bcd"], [b"x" * 300, b"y", b"z" * 70000], [b"\x00\x01"]):
        data = _values_part(values)
        packed = PackedValues(memoryview(data), len(values))
        assert len(packed) == len(values)
        assert list(packed) == values
        assert [packed[i] for i in range(len(values))] == values
        assert packed[-1] == values[-1]
        with pytest.raises(IndexError):
            packed[len(values)]
