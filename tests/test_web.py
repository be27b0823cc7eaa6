"""The web app and JSON API through FastAPI's test client: contract, filters, caps, escaping."""

import json
import shutil

import pytest
from fastapi.testclient import TestClient

from indexer.building.build import index_corpus
from searcher.app.cli import app as cli
from searcher.app.web import create_app
from tests.conftest import CORPUS, SEED_ID, SEED_NAME, write_transcript

S = SEED_ID
EVIL = "<script>alert('x')</script> <img src=x onerror=alert(1)> zeppelins"


@pytest.fixture(scope="module")
def web_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web")
    corpus = folder / "corpus"
    corpus.mkdir()
    for name in (SEED_NAME, "topics.toml"):
        shutil.copy(CORPUS / name, corpus)
    write_transcript(
        corpus, "evil.txt", f"Ivan Petrov: {EVIL}\n", "<b>Evil</b> title\nMay 1, 2021, Moscow\n\n"
    )
    index_corpus(corpus, folder / "index")
    return folder / "index"


@pytest.fixture(scope="module")
def client(web_index):
    return TestClient(create_app(web_index), base_url="http://127.0.0.1")


def test_api_search_matches_the_cli_contract(client, web_index, runner):
    api = client.get("/api/search", params={"q": "robots", "limit": 3}).json()
    result = runner.invoke(
        cli, ["search", "robots", "--limit", "3", "--index", str(web_index), "--format", "json"]
    )
    expected = json.loads(result.stdout)
    facets = api.pop("facets")
    assert set(api.pop("facets_more")) == set(facets)
    assert api == expected
    assert set(facets) == {"speaker", "role", "topic", "year"}


def test_api_filters(client):
    data = client.get("/api/search", params={"speaker": "teksler"}).json()
    assert [h["turn_id"] for h in data["hits"]] == [f"{S}:57", f"{S}:59"]
    data = client.get("/api/search", params={"q": "robots", "role": "president"}).json()
    assert {h["speaker"] for h in data["hits"]} == {"Vladimir Putin"}
    data = client.get("/api/search", params={"topic": "sport", "limit": 3}).json()
    assert all("sport" in h["topics"] for h in data["hits"])
    data = client.get("/api/search", params={"q": "robots", "since": "2025"}).json()
    assert data["total"] == 0


def test_api_turn_speakers_topics(client):
    turn = client.get(f"/api/turns/{S}:12", params={"context": 1}).json()
    assert [t["turn_id"] for t in turn["before"]] == [f"{S}:11"]
    assert turn["exchange"]["id"] == f"{S}:x4"
    speakers = client.get("/api/speakers").json()
    assert speakers[0] == {
        "name": "Vladimir Putin",
        "roles": ["President of Russia"],
        "turns": 40,
        "transcripts": 1,
        "attributes": {},
    }
    topics = client.get("/api/topics").json()
    assert {"name", "turns", "top_speakers"} <= set(topics[0])


def test_unknown_ids_are_404_not_tracebacks(client):
    for path in (f"/api/turns/{S}:999", "/api/turns/nope", "/t/nope", "/t/../../etc/passwd"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Traceback" not in response.text
    assert client.get("/api/turns/nope").json()["error"] == "There is no turn 'nope' in the index."


def test_caps_on_query_length_and_page_size(client):
    assert client.get("/api/search", params={"q": "x" * 1001}).status_code == 422
    assert client.get("/api/search", params={"q": "x", "limit": 101}).status_code == 422
    assert client.get("/api/search", params={"q": "x", "page": 0}).status_code == 422
    bad_date = client.get("/api/search", params={"q": "x", "since": "soon"})
    assert bad_date.status_code == 400
    assert bad_date.json()["error"] == "--since 'soon' is not a date."


def test_everything_from_transcripts_and_queries_is_escaped(client):
    page = client.get("/", params={"q": "zeppelins <script>alert(2)</script>"}).text
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert (
        '<p class="snippet">&lt;<mark>script</mark>&gt;<mark>alert</mark>(&#39;x&#39;)'
        "&lt;/<mark>script</mark>&gt; &lt;img src=x onerror=<mark>alert</mark>(1)&gt; "
        "<mark>zeppelins</mark></p>" in page
    )
    assert 'value="zeppelins &lt;script&gt;alert(2)&lt;/script&gt;"' in page
    assert "&lt;b&gt;Evil&lt;/b&gt; title" in page
    transcript = client.get("/t/evil").text
    assert "<script" not in transcript and "<img" not in transcript
    assert (
        "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;"
        in (transcript)
    )


def test_search_page_states(client):
    start = client.get("/").text
    assert "Type some words to search" in start and "&#34;exact phrase&#34;" in start
    hits = client.get("/", params={"q": "chessboxing"}).text
    assert '<p id="total">4 turns match · page 1</p>' in hits
    assert "<mark>Chessboxing</mark>?" in hits
    assert f'href="/t/{S}?turn=28&q=chessboxing#28"' in hits  # the query marks the words
    assert 'data-facet="speaker"' in hits and 'Amina Akhmadulina</a> <span class="count">2' in hits
    empty = client.get("/", params={"q": "chesboxing"}).text
    assert "No turns match" in empty and 'id="suggestion" href="/?q=chessboxing"' in empty
    error = client.get("/", params={"q": "x", "since": "soon"}).text
    assert "--since &#39;soon&#39; is not a date." in error


def test_transcript_page_highlights_the_turn_and_its_exchange(client):
    page = client.get(f"/t/{S}", params={"turn": 28}).text
    assert '<div class="turn focus" id="28">' in page
    assert '<div class="turn in-exchange" id="27">' in page
    assert '<div class="turn in-exchange" id="34">' in page
    assert '<div class="turn" id="35">' in page


def test_read_only(client):
    for method in ("post", "put", "delete"):
        assert getattr(client, method)("/api/search").status_code == 405


def test_openapi_lists_the_api(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/search", "/api/turns/{turn_id}", "/api/speakers", "/api/topics"} <= set(paths)


def test_new_index_is_picked_up_without_restart(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_transcript(corpus, "a.txt", "Ivan Petrov: Zeppelins.\n")
    index_corpus(corpus, tmp_path / "index")
    client = TestClient(create_app(tmp_path / "index"), base_url="http://127.0.0.1")
    assert client.get("/api/search", params={"q": "airships"}).json()["total"] == 0
    write_transcript(corpus, "b.txt", "Anna Lee: Airships.\n")
    index_corpus(corpus, tmp_path / "index", rebuild=True)
    assert client.get("/api/search", params={"q": "airships"}).json()["total"] == 1
