"""Analysing results (issue 14): sort, group per transcript, rows for spreadsheets, facets
that say what they left out. Through the library, the CLI and the API."""

import csv
import io
import itertools
import json
import re

import pytest
from fastapi.testclient import TestClient

from indexer.errors import UsageError
from searcher.app.cli import app
from searcher.app.web import create_app
from searcher.exchanges import search_exchanges
from searcher.export import FIELDS
from searcher.query import Filters, clean_query, make_filter, parse_query
from searcher.search import search
from searcher.trends import trend
from tests.conftest import SEED_ID


def _every(turns, text: str) -> set[int]:
    return set(turns.searcher.docs_for_query(parse_query(turns.parser, clean_query(text))))


def _key(turns, record):
    return (record.date or "9999", record.transcript, record.seq)


@pytest.mark.parametrize("sort", ["date", "-date"])
def test_sort_by_date_orders_every_match_with_ties_in_corpus_order(turns, sort):
    pages = [search(turns, "pension", sort=sort, limit=50, page=p) for p in (1, 2, 3)]
    hits = [h for page in pages for h in page.hits]
    assert len(hits) == pages[0].total == len(_every(turns, "pension")) > 50
    dated = [h for h in hits if h.date]
    dates = [h.date for h in dated]
    assert dates == sorted(dates, reverse=sort == "-date")
    for a, b in itertools.pairwise(dated):
        if a.date == b.date:
            assert (a.transcript, a.seq) < (b.transcript, b.seq)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_group_per_transcript_ranks_by_best_turn_and_counts_the_rest(turns):
    ranked = search(turns, "robots", limit=100)
    grouped = search(turns, "robots", group="transcript", group_size=2, limit=100)
    expected: dict[str, list] = {}
    for hit in ranked.hits:
        expected.setdefault(hit.transcript, []).append(hit.turn_id)
    assert grouped.total == ranked.total
    assert grouped.total_groups == len(expected)
    assert [g.transcript for g in grouped.groups] == list(expected)
    for group in grouped.groups:
        assert group.total == len(expected[group.transcript])
        assert [h.turn_id for h in group.hits] == expected[group.transcript][:2]
        assert group.more == max(0, group.total - 2)
    assert [h.turn_id for h in grouped.hits] == [h.turn_id for g in grouped.groups for h in g.hits]
    second = search(turns, "robots", group="transcript", group_size=2, limit=3, page=2)
    assert [g.transcript for g in second.groups] == list(expected)[3:6]


def test_group_json_shape(turns):
    data = search(turns, "robots", group="transcript", limit=2).to_json()
    assert data["group"] == "transcript" and data["total_groups"] >= 2
    first = data["groups"][0]
    assert set(first) == {"transcript", "title", "date", "place", "total", "more", "hits"}


def test_bad_sort_and_group_are_clear_errors(turns):
    with pytest.raises(UsageError) as caught:
        search(turns, "robots", sort="newest")
    assert caught.value.message == "--sort 'newest' is not a sort order."
    with pytest.raises(UsageError):
        search(turns, "robots", group="speaker")


def test_facets_say_what_they_left_out(turns, bundled_index, runner):
    result = search(turns, "inflation", facets=True, facet_limit=3)
    everyone = search(turns, "inflation", facets=True, facet_limit=1000)
    assert len(result.facets["speaker"]) == 3
    assert result.facets_more["speaker"] == len(everyone.facets["speaker"]) - 3 > 0
    assert list(everyone.facets["speaker"].items())[:3] == list(result.facets["speaker"].items())
    text = runner.invoke(
        app, ["search", "inflation", "--facets", "--facet-limit", "3", "--index", bundled_index]
    )
    more = result.facets_more["speaker"]
    assert f" and {more} more (--facet-limit {3 + more} shows all)" in text.stdout


def test_csv_rows_hold_every_hit_with_the_documented_header(turns, bundled_index, runner):
    args = ["search", "pension", "--limit", "all", "--format", "csv", "--index", bundled_index]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == FIELDS
    expected = search(turns, "pension", limit=1000)
    assert len(rows) == expected.total
    assert [r["turn_id"] for r in rows[:1000]] == [h.turn_id for h in expected.hits]
    first = expected.hits[0]
    assert rows[0]["topics"] == ";".join(first.topics)
    assert rows[0]["text"] == first.text and rows[0]["snippet"] == first.snippet
    assert rows[0]["exchange_turn_ids"] == ";".join(first.exchange["turn_ids"])


def test_jsonl_rows_are_the_json_hits(turns, bundled_index, runner):
    args = ["search", "robots", "--limit", "all", "--sort", "-date", "--format", "jsonl"]
    result = runner.invoke(app, [*args, "--index", bundled_index])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    page = search(turns, "robots", sort="-date", limit=100).to_json()["hits"]
    assert lines == page


def test_limit_all_needs_rows(bundled_index, runner):
    result = runner.invoke(app, ["search", "robots", "--limit", "all", "--index", bundled_index])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --limit all lists every hit")


def test_export_dumps_every_turn_the_filters_allow(turns, bundled_index, runner, tmp_path):
    target = tmp_path / "putin.csv"
    args = ["export", "--speaker", "putin", "--since", "2019", "-o", target]
    result = runner.invoke(app, [*args, "--index", bundled_index])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    allowed = turns.allowed_docs(make_filter(Filters(speaker="putin", since="2019")))
    assert len(rows) == len(allowed) > 100
    assert {r["speaker"] for r in rows} == {"Vladimir Putin"}
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert result.stderr == f"Wrote {len(rows):,} turns to {target}.\n"
    everything = runner.invoke(app, ["export", "--format", "jsonl", "--index", bundled_index])
    assert len(everything.stdout.splitlines()) == turns.searcher.doc_count()


def test_the_api_sorts_and_groups(turns, bundled_index):
    client = TestClient(create_app(bundled_index), base_url="http://127.0.0.1")
    dated = client.get("/api/search", params={"q": "pension", "sort": "date"}).json()
    assert dated["sort"] == "date"
    assert [h["date"] for h in dated["hits"]] == sorted(h["date"] for h in dated["hits"])
    grouped = client.get("/api/search", params={"q": "robots", "group": "transcript"}).json()
    assert grouped["total_groups"] == search(turns, "robots", group="transcript").total_groups
    assert grouped["groups"][0]["hits"][0]["rank"] == 1
    bad = client.get("/api/search", params={"q": "robots", "sort": "newest"})
    assert bad.status_code == 400 and bad.json()["error"] == "--sort 'newest' is not a sort order."
    rows = client.get("/api/search.csv", params={"q": "pension"})
    assert rows.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(rows.text)))) == dated["total"]


# --- Trends -------------------------------------------------------------------------------


def _independent_counts(turns, query: str, by_speaker: str | None = None):
    """Per year: matching turns (from the ranked search, every page) and words spoken (the
    stored text of every turn, tokenised here), without the trend code or its column."""
    result = search(turns, query, limit=1000)
    assert result.total <= 1000
    matched = {h.turn_id for h in result.hits}
    words: dict[str, int] = {}
    hits: dict[str, int] = {}
    for fields in turns.searcher.reader().all_stored_fields():
        if by_speaker and fields["speaker"] != by_speaker:
            continue
        year = str(fields["date"].year) if fields.get("date") else "undated"
        words[year] = words.get(year, 0) + len(re.findall(r"\w+(?:['’ʼ`]\w+)*", fields["text"]))
        hits[year] = hits.get(year, 0) + (fields["turn_id"] in matched)
    return hits, words


def test_a_trend_matches_counts_made_independently(turns):
    counted = trend(turns, "inflation")
    hits, words = _independent_counts(turns, "inflation")
    assert counted.periods == sorted(words)
    assert {r.period: r.turns for r in counted.rows} == hits
    assert {r.period: r.words for r in counted.rows} == words
    for row in counted.rows:
        assert row.per_10k == round(hits[row.period] * 10_000 / words[row.period], 3)
    assert counted.total == sum(hits.values()) > 20


def test_a_trend_split_by_speaker_sums_to_the_whole(turns):
    counted = trend(turns, "inflation", split="speaker", split_limit=100)
    for i, row in enumerate(counted.rows):
        assert sum(series[i].turns for series in counted.series.values()) == row.turns
    putin = counted.series["Vladimir Putin"]
    hits, words = _independent_counts(turns, "inflation", by_speaker="Vladimir Putin")
    assert {r.period: (r.turns, r.words) for r in putin} == {
        p: (hits.get(p, 0), words.get(p, 0)) for p in counted.periods
    }
    few = trend(turns, "inflation", split="speaker", split_limit=2)
    assert len(few.series) == 2 and few.split_more == len(counted.series) - 2


def test_trend_by_month_and_transcript(turns):
    months = trend(turns, "pension", by="month")
    assert all(re.fullmatch(r"\d{4}-\d\d|undated", p) for p in months.periods)
    assert months.periods == sorted(months.periods)
    per_transcript = trend(turns, "pension", by="transcript")
    assert (
        sum(r.turns for r in per_transcript.rows) == months.total == trend(turns, "pension").total
    )
    with pytest.raises(UsageError):
        trend(turns, "pension", by="week")


def test_trend_through_the_cli_and_the_api(turns, bundled_index, runner):
    text = runner.invoke(app, ["trend", "inflation", "--index", bundled_index])
    assert text.exit_code == 0, text.output
    counted = trend(turns, "inflation")
    assert text.stdout.startswith(f"{counted.total} turns match 'inflation', per year:")
    best = max(counted.rows, key=lambda r: r.per_10k or 0)
    assert any(
        line.startswith(best.period) and line.endswith("█" * 30)
        for line in text.stdout.splitlines()
    )
    as_json = runner.invoke(
        app, ["trend", "inflation", "--format", "json", "--index", bundled_index]
    )
    assert json.loads(as_json.stdout) == counted.to_json()
    as_csv = runner.invoke(app, ["trend", "inflation", "--format", "csv", "--index", bundled_index])
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [(r["period"], int(r["turns"])) for r in rows] == [
        (r.period, r.turns) for r in counted.rows
    ]
    client = TestClient(create_app(bundled_index), base_url="http://127.0.0.1")
    assert client.get("/api/trend", params={"q": "inflation"}).json() == counted.to_json()
    page = client.get("/", params={"q": "inflation"}).text
    assert page.count('class="bar"') == len([r for r in counted.rows if r.period != "undated"])
    assert 'href="/?q=inflation&amp;since=2017&amp;until=2017" class="bar"' in page


# --- Exchanges as results -----------------------------------------------------------------

KASYANOV = "000_af3ddc70366262e7:x9"


def test_the_pension_question_comes_back_with_its_answer(turns):
    """Kasyanov asks how pensions count work abroad (turn 37); Putin asks his age (38, a
    clarifying question) and answers in turn 40: one result holds question and answer."""
    found = search_exchanges(turns, "pension for people who worked abroad", limit=10)
    ours = [x for x in found.exchanges if x.id == KASYANOV]
    assert ours, [x.id for x in found.exchanges]
    exchange = ours[0]
    assert f"{SEED_ID}:40" in exchange.turn_ids
    assert exchange.question.turn_id == f"{SEED_ID}:37"
    assert exchange.question.speaker == "Maxim Kasyanov"
    assert exchange.answer.turn_id == f"{SEED_ID}:40"
    assert exchange.answer.speaker == "Vladimir Putin"
    assert f"{SEED_ID}:37" in exchange.matching_turn_ids
    assert "pension" in exchange.question.snippet.lower()
    # In the asker's own words, it is the best exchange.
    own_words = search_exchanges(turns, "pension calculated for employment outside Russia")
    assert own_words.exchanges[0].id == KASYANOV


def test_exchanges_are_ranked_and_paged(turns):
    everything = search_exchanges(turns, "pension", limit=30)
    scores = [x.score for x in everything.exchanges]
    assert scores == sorted(scores, reverse=True) and len(scores) == 30
    second = search_exchanges(turns, "pension", limit=10, page=2)
    assert [x.id for x in second.exchanges] == [x.id for x in everything.exchanges[10:20]]
    assert [x.rank for x in second.exchanges] == list(range(11, 21))
    for exchange in everything.exchanges:
        if exchange.question is not None:
            assert exchange.question.seq < exchange.answer.seq
            assert exchange.question.speaker != exchange.answer.speaker


def test_exchanges_through_the_cli_and_the_api(turns, bundled_index, runner):
    query = "pension for people who worked abroad"
    args = ["search", query, "--by", "exchange", "--limit", "10", "--index", bundled_index]
    text = runner.invoke(app, args)
    assert text.exit_code == 0, text.output
    assert "Q [37] Maxim Kasyanov" in text.stdout and "A [40] Vladimir Putin" in text.stdout
    as_json = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    assert as_json == search_exchanges(turns, query, limit=10).to_json()
    assert as_json["by"] == "exchange" and KASYANOV in [x["id"] for x in as_json["exchanges"]]
    client = TestClient(create_app(bundled_index), base_url="http://127.0.0.1")
    api = client.get("/api/search", params={"q": query, "by": "exchange"}).json()
    assert api == as_json
    refused = runner.invoke(app, [*args, "--sort", "date"])
    assert refused.exit_code == 1 and refused.stderr.startswith("Error: --by exchange ranks")


def test_the_page_sorts_groups_and_keeps_both_in_its_links(turns, bundled_index):
    client = TestClient(create_app(bundled_index), base_url="http://127.0.0.1")
    grouped = client.get("/", params={"q": "robots", "group": "transcript", "limit": 3}).text
    expected = search(turns, "robots", group="transcript", limit=3)
    found = re.findall(r'<section class="group" data-transcript="([^"]+)">', grouped)
    assert found == [g.transcript for g in expected.groups]
    assert f"in {expected.total_groups} transcripts" in grouped
    pages = -(-expected.total_groups // 3)
    assert f"page={pages}" in grouped and f"page={pages + 1}" not in grouped
    assert "group=transcript" in grouped.split('id="total"')[1]  # links keep the toggle
    dated = client.get("/", params={"q": "pension", "sort": "date"}).text
    dates = re.findall(r'<div class="meta">[^<]*? · (\d{4}-\d\d-\d\d)', dated)
    assert dates == sorted(dates) and len(dates) == 10
    assert '<option value="date" selected>' in dated
    assert "sort=date" in dated.split('id="csv"')[1].split(">")[0]


@pytest.mark.parametrize(
    "words",
    ["skies dying lying", "early only happiness", "possibility relational", "robots people"],
)
def test_the_snippet_prefilter_never_hides_a_match(turns, words, seed_text):
    """Paragraphs are skipped when they cannot hold a query stem; compared with analysing
    every paragraph, on every paragraph of the seed transcript and of the query's hits."""
    from indexer.analysis import term_spans
    from searcher.snippets import _matches

    terms = {t.text: 1.0 for t in turns.analyzers.text(words)}
    texts = [seed_text, *(h.text for h in search(turns, words, limit=200).hits)]
    paragraphs = [p for text in texts for p in text.split("\n") if p.strip()]
    for paragraph in paragraphs:
        expected = [s for s in term_spans(paragraph) if s[2] in terms]
        assert _matches(paragraph, terms, None) == expected


def test_finding_query_stems_by_their_first_letters_finds_what_analysing_every_word_finds():
    """`spans_of_terms` analyses only the words that start with a stem's first letters; on
    real paragraphs (kremlin.ru transcripts with typographic quotes and dashes, US debates,
    accented names) and query stems of every length, including the shortest ("sky", "die")
    and stems with an apostrophe, it finds exactly the spans of analysing every word."""
    import random

    from indexer.analysis import spans_of_terms, term_spans
    from tests.conftest import shared

    rng = random.Random(20)
    paragraphs = []
    for folder in ("kremlin-en", "us-presidential-debates"):
        for path in sorted(shared(folder).glob("*.txt"))[:40]:
            text = path.read_text(encoding="utf-8")
            paragraphs += [p for p in text.split("\n") if p.strip()]
    paragraphs += [
        "Niinistö and Ærø: the skies, dying and lying; don’t, Russia’s, o’Neill’s `quotes`",
        "SKIES Were Dying — “happiness” – naïve coöperation, Straße, œuvre",
    ]
    vocabulary = sorted({t for p in paragraphs[::7] for _, _, t in term_spans(p)})
    short = [t for t in vocabulary if len(t) <= 3]
    quoted = [t for t in vocabulary if "'" in t]
    assert short and quoted and len(paragraphs) > 1000
    checked = 0
    for paragraph in paragraphs:
        own = [t for _, _, t in term_spans(paragraph)]
        terms = set(rng.sample(vocabulary, 3)) | {rng.choice(short), rng.choice(quoted)}
        terms |= set(rng.sample(own, min(2, len(own))))
        expected = [s for s in term_spans(paragraph) if s[2] in terms]
        assert spans_of_terms(paragraph, terms) == expected, paragraph
        checked += bool(expected)
    assert checked > len(paragraphs) // 2  # most paragraphs had something to find
