"""Check a quote, distinctive terms, speaker pages, concordance page and citations (issue 15),
on the bundled corpus and the US debates."""

import csv
import json
import re
import shutil

import pytest
from fastapi.testclient import TestClient

from indexer.building.build import index_corpus
from searcher import open_index
from searcher.app.cli import app
from searcher.app.web import create_app
from searcher.query import Filters
from tests.conftest import CORPUS, ROOT, shared, write_transcript


def _misremembered() -> list[tuple[str, str]]:
    """Sentences of the bundled corpus as someone might remember them, and their turns."""
    path = ROOT / "tests" / "fixtures" / "misremembered_quotes.tsv"
    with open(path, encoding="utf-8") as f:
        rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
        return [(row["quote"], row["turn_id"]) for row in rows]


MISREMEMBERED = _misremembered()


@pytest.mark.parametrize("quote, turn_id", MISREMEMBERED)
def test_a_misremembered_quote_finds_its_turn_first(bundled_index, quote, turn_id):
    with open_index(bundled_index) as index:
        result = index.quote(quote)
    assert result.matches, quote
    best = result.matches[0]
    assert best.turn.turn_id == turn_id, (quote, best.turn.turn_id, best.passage)
    assert result.verdict in ("exact", "close")
    # the passage is what was said, and the diff rebuilds both sides
    assert best.passage == best.turn.text[best.start : best.end]
    said = " ".join(p["said"] for p in best.diff if p["said"])
    assert re.sub(r"\W+", " ", said).split() == re.sub(r"\W+", " ", best.passage).split()


def test_an_exact_quote_and_one_nobody_said(bundled_index, runner):
    with open_index(bundled_index) as index:
        exact = index.quote("Most importantly, those who have won the contest will become mentors")
        nothing = index.quote("the moon is made of green cheese and owls can fly backwards")
    assert exact.verdict == "exact" and exact.matches[0].exact
    assert exact.matches[0].diff == [
        {
            "op": "equal",
            "quote": "Most importantly those who have won the contest will become mentors",
            "said": "Most importantly those who have won the contest will become mentors",
        }
    ]
    assert nothing.verdict == "not found"
    result = runner.invoke(
        app,
        ["quote", "those who won the contest will become mentors", "--index", str(bundled_index)],
    )
    assert result.exit_code == 0
    assert result.stdout.startswith("Close: said, in other words")
    assert "Pavel Sorokin" in result.stdout and "Cite: Pavel Sorokin" in result.stdout
    assert "http://en.kremlin.ru/events/president/news/57071" in result.stdout  # sources.csv
    data = json.loads(
        runner.invoke(
            app,
            [
                "quote",
                "mentors for younger participants",
                "--index",
                str(bundled_index),
                "--format",
                "json",
            ],
        ).stdout
    )
    assert data["verdict"] == "exact"
    assert data["matches"][0]["url"] == "http://en.kremlin.ru/events/president/news/57071"
    assert data["matches"][0]["citation"].endswith(
        "turn 2018-03-15_57071_russia-land-of-opportunity-forum:66, "
        "http://en.kremlin.ru/events/president/news/57071."
    )


def test_a_quote_in_quotation_marks_is_flagged(bundled_index):
    with open_index(bundled_index) as index:
        result = index.quote("provide assistance to the World Cup by making a film about Yashin")
    assert result.matches[0].attribution["kind"] == "quoted"


def test_a_quote_the_speaker_attributes_to_someone_else_is_flagged(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_transcript(
        corpus,
        "a.txt",
        "Ann Lee: As my opponent said last week, the budget will balance itself by spring.\n\n"
        "Bob Ray: The budget will balance itself by spring, I promise you.\n",
    )
    index_corpus(corpus, tmp_path / "index")
    with open_index(tmp_path / "index") as index:
        result = index.quote("the budget balances itself by spring")
    flags = {m.turn.speaker: m.attribution for m in result.matches}
    assert flags["Bob Ray"] is None
    assert flags["Ann Lee"]["kind"] == "attributed"
    assert flags["Ann Lee"]["who"] == "my opponent"


def test_i_alone_can_fix_it(tmp_path):
    """The debates: Clinton quoting Trump is found, and flagged as a quotation."""
    folder = shared("us-presidential-debates")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in folder.glob("*.txt"):  # all 35 debates: "fix it" is said in many
        shutil.copy(path, corpus)
    index_corpus(corpus, tmp_path / "index")
    with open_index(tmp_path / "index") as index:
        for quote in ("I alone can fix it", "only I can fix it"):
            result = index.quote(quote)
            best = result.matches[0]
            assert best.turn.speaker == "Hillary R Clinton", quote
            assert best.attribution and best.attribution["kind"] == "quoted", quote
        assert index.quote("I alone can fix it").verdict == "exact"
        assert index.quote("only I can fix it").verdict == "close"


def test_terms_rank_a_planted_word_first(tmp_path, runner):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "2016-09-05_52830_interview-to-bloomberg.txt", corpus)
    write_transcript(
        corpus,
        "planted.txt",
        "\n\n".join(
            [
                "Zara Quill: The zeppelin fleet is ready. Every zeppelin has a new engine.",
                "Ivan Petrov: What about the budget?",
                "Zara Quill: Zeppelin pilots are trained, and the zeppelin hangars are open.",
                "Ivan Petrov: Thank you, and the economy?",
                "Zara Quill: The economy grows when a zeppelin carries cargo to the north.",
            ]
        )
        + "\n",
    )
    index = tmp_path / "index"
    index_corpus(corpus, index)
    result = runner.invoke(
        app, ["terms", "--speaker", "zara", "--index", str(index), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    first = data["terms"][0]
    assert (first["term"], first["count"], first["reference_count"]) == ("zeppelin", 5, 0)
    assert data["turns"] == 3
    assert all(
        t["log_likelihood"] > 0 and t["per_10k"] > t["reference_per_10k"] for t in data["terms"]
    )
    assert not {t["term"] for t in data["terms"]} & {"the", "and", "is", "are", "a"}
    text = runner.invoke(app, ["terms", "--speaker", "zara", "--index", str(index)]).stdout
    assert "zeppelin" in text
    needs = runner.invoke(app, ["terms", "--index", str(index)])
    assert needs.exit_code == 1 and "Give a query or a filter" in needs.stderr


def test_pages_speaker_concordance_quote_and_citations(bundled_index):
    client = TestClient(create_app(bundled_index), base_url="http://127.0.0.1")
    results = client.get("/", params={"q": "mentors younger participants"}).text
    assert 'href="/s/Pavel%20Sorokin"' in results
    assert "Cite: Pavel Sorokin" in results
    link = re.search(r'href="(/t/[^"]*q=mentors[^"]*)"', results)
    assert link, "a hit links to its transcript with the query"
    page = client.get(link.group(1).replace("&amp;", "&")).text
    assert "<mark>mentors</mark>" in page and 'id="back"' in page
    assert 'class="source" href="http://en.kremlin.ru/events/president/news/57071"' in page
    speaker = client.get("/s/Pavel Sorokin").text
    assert "<h1>Pavel Sorokin</h1>" in speaker and "Distinctive terms" in speaker
    profile = client.get("/s/Vladimir Putin").text
    assert "President of Russia" in profile and "Turns per year" in profile
    assert client.get("/s/Nobody Atall").status_code == 400
    with open_index(bundled_index) as index:
        lines = index.kwic("mentors")
    kwic = client.get("/kwic", params={"q": "mentors"}).text
    assert f"{lines.total} occurrence" in kwic
    assert kwic.count("<mark>") == len(lines.lines)
    api = client.get("/api/kwic", params={"q": "mentors", "speaker": "sorokin"}).json()
    assert 0 < api["total"] <= lines.total
    quote = client.get("/quote", params={"text": "those who won the contest will become mentors"})
    assert 'data-verdict="close"' in quote.text and "<ins" in quote.text
    api_quote = client.get("/api/quote", params={"text": "mentors for younger participants"}).json()
    assert api_quote["verdict"] == "exact"
    terms = client.get("/api/terms", params={"speaker": '"Pavel Sorokin"'}).json()
    assert terms["terms"] and terms["turns"] > 0


def test_terms_and_quotes_respect_filters(bundled_index):
    with open_index(bundled_index) as index:
        anyone = index.quote("those who won the contest will become mentors")
        nobody = index.quote(
            "those who won the contest will become mentors", Filters(speaker="putin")
        )
    assert anyone.matches[0].turn.speaker == "Pavel Sorokin"
    assert all(m.turn.speaker == "Vladimir Putin" for m in nobody.matches)
