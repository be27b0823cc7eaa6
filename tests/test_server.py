"""The hardened server (issue 12): host allowlist, security headers, HEAD, gzip, error shapes,
and searches in parallel (a normal query is answered while an expensive one runs)."""

import html
import re
import socket
import threading
import time
import urllib.parse
import urllib.request

import pytest
import uvicorn
from fastapi.testclient import TestClient

from indexer.building.build import index_corpus
from indexer.errors import SearchCancelledError
from searcher import Index
from searcher.app.cli import app
from searcher.app.web import SECURITY_HEADERS, create_app
from tests.conftest import SEED_ID as SEED

LOCAL = "http://127.0.0.1"


@pytest.fixture(scope="module")
def client(bundled_index):
    return TestClient(create_app(bundled_index), base_url=LOCAL)


def test_another_host_is_refused(bundled_index):
    rebinding = TestClient(create_app(bundled_index), base_url="http://attacker.example")
    answer = rebinding.get("/api/search", params={"q": "robots"})
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "This server does not answer for the host 'attacker.example'.",
        "hint": "Open it at http://127.0.0.1, or start it with `remarks serve --allow-host NAME`.",
    }
    allowed = create_app(bundled_index, allowed_hosts=("search.newsroom.lan",))
    named = TestClient(allowed, base_url="http://search.newsroom.lan:8765")
    assert named.get("/api/search", params={"q": "robots"}).status_code == 200
    for base in ("http://localhost:8765", "http://[::1]:8765", "http://127.0.0.1"):
        assert TestClient(allowed, base_url=base).get("/").status_code == 200


@pytest.mark.parametrize("path", ["/", "/?q=robots", "/api/search?q=robots", "/nope"])
def test_security_headers_on_every_response(path, client):
    answer = client.get(path)
    for header, value in SECURITY_HEADERS.items():
        assert answer.headers[header] == value


def test_head_and_gzip(client):
    head = client.head("/?q=robots")
    assert head.status_code == 200 and head.content == b""
    big = client.get(
        "/api/search", params={"q": "putin", "limit": 100}, headers={"accept-encoding": "gzip"}
    )
    assert big.headers["content-encoding"] == "gzip"
    assert big.json()["total"] > 100


def test_errors_have_the_documented_shape_and_echo_nothing(client):
    answer = client.get("/api/search", params={"q": "robots", "limit": "many" * 1000})
    assert answer.status_code == 422
    body = answer.json()
    assert set(body) == {"error", "hint"} and "many" not in body["error"]
    page = client.get("/", params={"q": "robots", "limit": "many" * 1000})
    assert page.status_code == 422 and "text/html" in page.headers["content-type"]
    assert "manymany" not in page.text
    assert client.get("/api/nope").json() == {
        "error": "There is no such page.",
        "hint": "Start from the search page: /",
    }
    assert client.get("/docs").status_code == 404  # no page loading scripts from other sites


@pytest.fixture(scope="module")
def live(bundled_index):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(bundled_index), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30  # a liveness bound, not a speed target
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_a_normal_query_is_answered_while_an_expensive_one_runs(live, monkeypatch):
    """Order, not time: while one search is held in the middle of its work, another search
    sent later is answered. The expensive search is held until the normal one has its answer;
    a server that ran searches one at a time would answer the expensive one first (after the
    hold's liveness bound), and the order would be wrong."""
    real_search = Index.search
    expensive = " ".join(f"*{c}*" for c in "aeiourstln")
    started, normal_done = threading.Event(), threading.Event()

    def held_search(index, query, *args, **kwargs):
        if query == expensive:
            started.set()
            normal_done.wait(timeout=60)  # a liveness bound, not a speed target
        return real_search(index, query, *args, **kwargs)

    monkeypatch.setattr(Index, "search", held_search)
    finished: list[str] = []

    def get(name: str, query: str) -> None:
        url = f"{live}/api/search?" + urllib.parse.urlencode({"q": query})
        with urllib.request.urlopen(url, timeout=120) as answer:
            assert answer.status in (200, 400)
        finished.append(name)

    slow = threading.Thread(target=get, args=("expensive", expensive))
    slow.start()
    assert started.wait(timeout=60)
    get("normal", "chessboxing")
    normal_done.set()
    slow.join(timeout=120)
    assert finished == ["normal", "expensive"]


def test_the_page_keeps_its_parameters_and_shows_its_filters(client):
    page = client.get("/", params={"q": "putin", "limit": 5, "transcript": SEED})
    assert page.status_code == 200
    assert f'href="/?q=putin&amp;transcript={SEED}&amp;limit=5&amp;page=2"' in page.text
    chip = '<a class="chip" data-filter="transcript" href="/?q=putin&amp;limit=5"'
    assert chip in page.text
    past = client.get("/", params={"q": "chessboxing", "page": 5})
    assert 'id="past-the-end"' in past.text and "the last page is 1" in past.text


def test_hit_links_encode_transcript_ids(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "we#ird?name.txt").write_text(
        "A meeting\nMarch 3, 2021, Moscow\n\nIvan Petrov: Zeppelins are back.\n",
        encoding="utf-8",
    )
    index_corpus(corpus, tmp_path / "index")
    client = TestClient(create_app(tmp_path / "index"), base_url=LOCAL)
    page = client.get("/", params={"q": "zeppelins"})
    assert 'href="/t/we%23ird%3Fname?turn=1&q=zeppelins#1"' in page.text
    assert client.get("/t/we%23ird%3Fname", params={"turn": 1}).status_code == 200


def test_an_index_with_no_turns_answers(tmp_path, runner):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "x.txt").write_text("Only a title\n", encoding="utf-8")
    index_corpus(corpus, tmp_path / "index")
    args = ["--index", str(tmp_path / "index")]
    for command in (["search", "zeppelins", "--facets"], ["speakers"], ["stats"], ["topics"]):
        result = runner.invoke(app, [*command, *args])
        assert result.exit_code == 0, (command, result.output)
    client = TestClient(create_app(tmp_path / "index"), base_url=LOCAL)
    assert client.get("/", params={"q": "zeppelins"}).status_code == 200


FACET_LINK_RE = re.compile(
    r'<li><a href="(?P<href>[^"]+)">(?P<value>[^<]+)</a> <span class="count">(?P<count>\d+)</span>'
)


@pytest.mark.parametrize("query", ["dmitry", "question", "robots"])
def test_every_facet_link_gives_exactly_its_count(client, query):
    """A speaker named "Dmitry" is a prefix of "Dmitry Peskov", and roles share words: the
    links filter exactly, so each gives as many turns as its facet counted."""
    page = client.get("/", params={"q": query})
    links = []
    for facet in ("speaker", "role", "topic", "year"):
        block = page.text.split(f'data-facet="{facet}">', 1)[1].split("</ul>", 1)[0]
        links += [(facet, m) for m in FACET_LINK_RE.finditer(block)]
    assert {facet for facet, _ in links} >= {"speaker", "role", "topic", "year"}
    for facet, link in links:
        followed = client.get(html.unescape(link["href"]))
        total = re.search(r'<p id="total">([\d,]+) turn', followed.text)
        assert total, (facet, link["value"], followed.text[:300])
        assert int(total.group(1).replace(",", "")) == int(link["count"]), (facet, link["value"])


def test_a_quoted_speaker_is_exact_and_an_empty_one_an_error(client):
    loose = client.get("/api/search", params={"q": "thank", "speaker": "Dmitry"}).json()
    exact = client.get("/api/search", params={"q": "thank", "speaker": '"dmitry"'}).json()
    assert exact["total"] < loose["total"]
    assert {h["speaker"] for h in exact["hits"]} == {"Dmitry"}
    for value in ("*", '""', "?!"):
        answer = client.get("/api/search", params={"q": "robots", "speaker": value})
        assert answer.status_code == 400
        assert answer.json()["error"] == (
            f"--speaker {value!r} names no speaker: it has no words to match."
        )


def test_a_search_stops_when_its_client_goes_away(live, monkeypatch):
    """The search is held until it sees the cancel signal the server gives it when the
    connection closes; the real search then stops at its next check."""
    real_search = Index.search
    started, saw_cancel = threading.Event(), threading.Event()
    outcome: list[str] = []

    def held_search(index, query, *args, cancel=None, **kwargs):
        started.set()
        if cancel is not None and cancel.wait(timeout=60):  # a liveness bound
            saw_cancel.set()
        try:
            return real_search(index, query, *args, cancel=cancel, **kwargs)
        except SearchCancelledError as exc:
            outcome.append(exc.message)
            raise

    monkeypatch.setattr(Index, "search", held_search)
    port = int(live.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(b"GET /api/search?q=robots HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert started.wait(timeout=60)
    assert saw_cancel.wait(timeout=60)
    deadline = time.monotonic() + 60  # a liveness bound, not a speed target
    while not outcome and time.monotonic() < deadline:
        time.sleep(0.05)
    assert outcome == ["The search for 'robots' was cancelled."]
