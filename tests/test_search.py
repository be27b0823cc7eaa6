"""Search behaviour on real indexes: query syntax, filters, paging, snippets, suggestions."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.building.build import index_corpus
from indexer.errors import UsageError
from searcher.facets import facet_counts
from searcher.query import Filters, clean_query, make_filter, parse_query
from searcher.search import search
from searcher.session import TurnIndex
from tests.conftest import SEED_ID, write_transcript

S = SEED_ID


def ids(result):
    return [hit.turn_id for hit in result.hits]


def test_phrase_query_matches_the_exact_phrase(turns):
    result = search(turns, '"career guidance"', Filters(speaker="putin"), limit=20)
    assert result.total == 3
    assert all("career guidance" in hit.text.lower() for hit in result.hits)
    assert {hit.speaker for hit in result.hits} == {"Vladimir Putin"}


def test_not_excludes_under_or_grouping(turns):
    plain = search(turns, "chessboxing", limit=20)
    without = search(turns, "chessboxing NOT boxing", limit=20)
    assert plain.total == 4
    assert without.total == 2
    assert all("box " not in hit.text.lower() for hit in without.hits)


def test_prefix_and_fuzzy(turns):
    assert f"{S}:27" in ids(search(turns, "chessbox*", limit=5))
    assert f"{S}:27" in ids(search(turns, "chesboxing~2", limit=5))


def test_field_query_on_speaker(turns):
    result = search(turns, "speaker:teksler")
    assert ids(result) == [f"{S}:57", f"{S}:59"] or ids(result) == [f"{S}:59", f"{S}:57"]


def test_speaker_filter_is_case_insensitive_and_partial(turns):
    for value in ("putin", "PUTIN", "Vladimir Putin", "puti"):
        result = search(turns, "robots", Filters(speaker=value), limit=50)
        assert result.total > 0
        assert {hit.speaker for hit in result.hits} == {"Vladimir Putin"}


def test_role_filter_matches_words_of_the_role(turns):
    result = search(turns, "", Filters(role="governor"), limit=100)
    assert result.total == 24
    assert all("governor" in hit.role.lower() for hit in result.hits)


def test_transcript_filter_accepts_part_of_the_id(turns):
    result = search(turns, "robots", Filters(transcript="af3ddc70"), limit=50)
    assert result.total > 0
    assert {hit.transcript for hit in result.hits} == {S}


@pytest.mark.parametrize(
    ("since", "until", "years"),
    [
        ("2018", "2018", {"2018"}),
        ("2017-12", "2017-12", {"2017"}),
        ("2024-02-16", None, {"2024"}),
        (None, "2012", {"2010", "2012"}),
    ],
)
def test_date_filters(turns, since, until, years):
    result = search(turns, "people", Filters(since=since, until=until), limit=200)
    assert result.total > 0
    assert {hit.date[:4] for hit in result.hits} == years
    if since == "2017-12":
        assert {hit.date[:7] for hit in result.hits} == {"2017-12"}


def test_open_ended_date_ranges_exclude(turns):
    since = search(turns, "robots", Filters(since="2019"), limit=100)
    until = search(turns, "robots", Filters(until="2018"), limit=100)
    everything = search(turns, "robots", limit=100)
    assert since.total and until.total
    assert all(h.date >= "2019" for h in since.hits)
    assert all(h.date < "2019" for h in until.hits)
    assert since.total + until.total == everything.total


def test_bad_date_names_the_option_and_the_format(turns):
    with pytest.raises(UsageError) as err:
        search(turns, "robots", Filters(since="last week"))
    assert err.value.message == "--since 'last week' is not a date."
    assert err.value.hint == "Use YYYY, YYYY-MM or YYYY-MM-DD, for example --since 2017-03."


def test_pages_continue_the_ranking(turns):
    first20 = search(turns, "industry", limit=20)
    page2 = search(turns, "industry", limit=10, page=2)
    assert ids(page2) == ids(first20)[10:20]
    assert [hit.rank for hit in page2.hits] == list(range(11, 21))
    assert page2.total == first20.total


def test_snippet_comes_from_the_matching_paragraph(turns):
    hit = next(h for h in search(turns, "South Korea", limit=5).hits if h.turn_id == f"{S}:14")
    assert not hit.text.startswith(hit.snippet.lstrip("…")[:40])
    assert "South Korea" in hit.snippet
    assert [hit.snippet[s:e] for s, e in hit.highlights] == ["South", "Korea"]


def test_snippet_and_highlights_golden(turns):
    hits = search(turns, "robots", limit=3).hits
    assert f"{S}:13" in [h.turn_id for h in hits]
    hit = next(h for h in hits if h.turn_id == f"{S}:13")
    assert hit.snippet == (
        "My name is Pavel Baglai and I am the head of the Industrial Process Automation "
        "Department at a robotics factory. Actually, my question dovetails with my "
        "colleague’s but in the context of robots."
    )
    assert [hit.snippet[s:e] for s, e in hit.highlights] == ["robotics", "robots"]


def test_long_paragraph_snippet_is_a_window_with_ellipses(turns):
    for hit in search(turns, "Kazan sports campuses", limit=10).hits:
        assert len(hit.snippet) <= 322
        for start, end in hit.highlights:
            assert 0 <= start < end <= len(hit.snippet)


def test_did_you_mean(turns):
    assert search(turns, "chesboxing").suggestion == "chessboxing"
    assert search(turns, "pensoin abroad").suggestion == "pension abroad"
    assert search(turns, "robots").suggestion is None


def test_no_match_is_an_empty_result(turns):
    result = search(turns, "zqxwvy")
    assert (result.total, result.hits) == (0, [])


def test_filters_alone_list_turns_newest_first(turns):
    result = search(turns, "", Filters(speaker="Teksler"))
    assert ids(result) == [f"{S}:57", f"{S}:59"]


@pytest.mark.parametrize(
    "query", ['"unbalanced', "(robots", "AND", "*", "x" * 5000, "NOT", "a) OR (b", "\x00\x07", ":"]
)
def test_malformed_queries_do_not_raise(turns, query):
    result = search(turns, query)
    assert result.total >= 0


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=80))
def test_any_query_string_returns(turns, query):
    result = search(turns, query, limit=3)
    assert len(result.hits) <= 3


def test_topic_filter_uses_topics_from_the_transcript(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_transcript(corpus, "a.txt", "Topics: Sport\nIvan Petrov: Football is popular.\n")
    write_transcript(corpus, "b.txt", "Anna Lee: Football pitches need funding.\n")
    index_corpus(corpus, tmp_path / "index")
    with TurnIndex(tmp_path / "index") as opened:
        result = search(opened, "football", Filters(topic="sport"))
        assert [(hit.turn_id, hit.topics) for hit in result.hits] == [("a:1", ["sport"])]


@pytest.mark.parametrize(
    "text", ["Russia", "young people", "robots industry", '"Direct Line"', "econ*", "gas -oil"]
)
@pytest.mark.parametrize("speaker", [None, "putin"])
def test_total_counts_every_matching_turn(turns, text, speaker):
    # Whoosh's top-N pruning skips turns that cannot reach the page; "total" must not.
    found = search(turns, text, Filters(speaker=speaker), facets=True)
    everything = set(turns.searcher.docs_for_query(parse_query(turns.parser, clean_query(text))))
    allowed = turns.allowed_docs(make_filter(Filters(speaker=speaker)))
    expected = everything if allowed is None else everything & allowed
    assert found.total == len(expected) > 0
    assert found.facets == facet_counts(turns.searcher.reader(), expected)


@pytest.mark.parametrize("text", ["pension?", "(robots)? industry", "what about ? robots", "why??"])
def test_a_question_mark_that_is_punctuation_is_not_a_wildcard(turns, text):
    assert "Wildcard" not in repr(parse_query(turns.parser, clean_query(text)))


def test_a_question_mark_inside_a_word_is_a_wildcard(turns):
    assert "Wildcard" in repr(parse_query(turns.parser, "wom?n"))
    assert search(turns, "pension?").total == search(turns, "pension").total > 0


def test_a_turn_is_found_by_its_id(turns):
    """Turn ids are stored, not indexed: `turn:ID` finds the turn by transcript and number,
    `turn:PREFIX*` the turns of the transcripts whose ids start so."""
    hit = search(turns, "robots", limit=1).hits[0]
    found = search(turns, f'turn:"{hit.turn_id}"', limit=5)
    assert (found.total, [h.turn_id for h in found.hits]) == (1, [hit.turn_id])
    both = search(turns, f'robots AND turn:"{hit.turn_id}"', limit=5)
    assert [h.turn_id for h in both.hits] == [hit.turn_id]
    prefix = hit.transcript[:10]
    listed = search(turns, f"turn:{prefix}*", limit=1000)
    assert listed.total == sum(
        1
        for n in range(turns.searcher.doc_count_all())
        if turns.searcher.stored_fields(n)["transcript"].startswith(prefix)
    )
    assert search(turns, 'turn:"no-such-transcript:3"').total == 0
    assert search(turns, 'turn:"not a turn id"').total == 0
