"""Saved searches and alerts (issue 17): only the turns an index run added or changed are
matched; invalid watches are refused; the Atom feed parses and links to turns."""

import json
import shutil
import sys

import feedparser
import pytest
from fastapi.testclient import TestClient

from indexer.building.build import index_corpus
from searcher.app.cli import app
from searcher.app.web import create_app
from searcher.query import Filters
from searcher.search import search
from searcher.session import TurnIndex
from searcher.watches import Watch, WatchBook, check_watches
from tests.conftest import CORPUS, SEED_ID, SEED_NAME, write_transcript

OTHERS = ["2019-06-20_60795_direct-line-with-vladimir-putin.txt"]


@pytest.fixture
def watched(tmp_path):
    """A corpus of one Direct Line (it mentions robots) with two saved searches."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in [*OTHERS, "topics.toml", "speakers.toml"]:
        shutil.copy(CORPUS / name, corpus)
    index = tmp_path / "index"
    index_corpus(corpus, index)
    with TurnIndex(index) as turns:
        book = WatchBook(corpus)
        book.add(turns, Watch("robots", "robots"))
        book.add(turns, Watch("putin chess", "chessboxing", Filters(speaker="putin")))
    return corpus, index


def _all_hits(index, query, filters=None, transcript=None):
    with TurnIndex(index) as turns:
        filters = filters or Filters()
        if transcript:
            filters = Filters(**{**vars(filters), "transcript": f'"{transcript}"'})
        return [h.turn_id for h in search(turns, query, filters, limit=1000, sort="date").hits]


def test_adding_a_transcript_reports_exactly_its_new_matching_turns(watched):
    corpus, index = watched
    old = _all_hits(index, "robots")
    assert old  # the Direct Line already mentions robots: those must not be reported
    shutil.copy(CORPUS / SEED_NAME, corpus)
    report = index_corpus(corpus, index)
    alerts = {
        a.watch: [h.turn_id for h in a.hits] for a in check_watches(index, corpus, report.new_turns)
    }
    assert alerts["robots"] == _all_hits(index, "robots", transcript=SEED_ID)
    assert not set(alerts["robots"]) & set(old)
    chess = _all_hits(index, "chessboxing", Filters(speaker="putin"))
    assert alerts["putin chess"] == chess and len(chess) == 2


def test_a_changed_transcript_reports_only_its_new_or_changed_turns(watched):
    corpus, index = watched
    shutil.copy(CORPUS / SEED_NAME, corpus)
    index_corpus(corpus, index)
    seed = corpus / SEED_NAME
    seed.write_text(seed.read_text(encoding="utf-8") + "\n\nAnna Lee: More robots, please.\n")
    report = index_corpus(corpus, index)
    assert report.updated == 1
    alerts = check_watches(index, corpus, report.new_turns)
    assert [(a.watch, [h.text for h in a.hits]) for a in alerts] == [
        ("robots", ["More robots, please."])
    ]


def test_watches_survive_a_rebuild_and_a_rebuild_reports_nothing(watched, runner):
    corpus, index = watched
    report = index_corpus(corpus, index, rebuild=True)
    assert report.new_turns == [] and check_watches(index, corpus, report.new_turns) == []
    assert [w.name for w in WatchBook(corpus)] == ["robots", "putin chess"]
    write_transcript(corpus, "new.txt", "Ivan Petrov: Robots at the plant.\n")
    result = runner.invoke(app, ["index", "--corpus", corpus, "--index", index, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["alerts"] == [
        {
            "watch": "robots",
            "hits": [
                {
                    "turn_id": "new:1",
                    "speaker": "Ivan Petrov",
                    "role": None,
                    "date": "2021-03-03",
                    "title": "A test meeting",
                    "snippet": "Robots at the plant.",
                }
            ],
        }
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["robots", "robots"], "There is already a saved search 'robots'."),
        (["x", "robots", "--speaker", "nosuch"], "No turn matches --speaker 'nosuch'"),
        (["y", "date:[2030 TO 2010]"], "The range date:[2030 TO 2010] runs backwards."),
        (["", "robots"], "'' cannot name a saved search."),
        (["z", ""], "A saved search needs a query or a filter."),
    ],
)
def test_invalid_watches_are_refused(watched, runner, args, message):
    corpus, index = watched
    before = (corpus / "watches.toml").read_text()
    result = runner.invoke(app, ["watch", "add", *args, "--corpus", corpus, "--index", index])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {message}")
    assert (corpus / "watches.toml").read_text() == before


def test_watch_list_remove_run_and_a_hand_edited_file(watched, runner):
    corpus, index = watched
    listed = runner.invoke(app, ["watch", "list", "--corpus", corpus, "--format", "json"])
    assert json.loads(listed.stdout) == [
        {"name": "robots", "query": "robots"},
        {"name": "putin chess", "query": "chessboxing", "speaker": "putin"},
    ]
    ran = runner.invoke(
        app, ["watch", "run", "robots", "--since", "2019", "--corpus", corpus, "--index", index]
    )
    assert ran.exit_code == 0 and "newest first" in ran.stdout
    assert WatchBook(corpus).get("robots").last_run is not None
    runner.invoke(app, ["watch", "remove", "robots", "--corpus", corpus])
    assert [w.name for w in WatchBook(corpus)] == ["putin chess"]
    (corpus / "watches.toml").write_text('[[watch]]\nname = "x"\nquery = "a"\nspeeker = "b"\n')
    broken = runner.invoke(app, ["index", "--corpus", corpus, "--index", index])
    assert broken.exit_code == 0  # nothing new: the file is not even read
    write_transcript(corpus, "new.txt", "Ivan Petrov: Robots.\n")
    broken = runner.invoke(app, ["index", "--corpus", corpus, "--index", index])
    assert broken.exit_code == 1
    assert "Error: Watch 'x' in" in broken.stderr and "unknown keys: speeker" in broken.stderr


def test_the_notify_command_receives_the_json(watched, runner, tmp_path):
    corpus, index = watched
    received = tmp_path / "received.json"
    shutil.copy(CORPUS / SEED_NAME, corpus)
    command = (
        f"{sys.executable} -c \"import sys; open({str(received)!r}, 'w').write(sys.stdin.read())\""
    )
    result = runner.invoke(
        app, ["index", "--corpus", corpus, "--index", index, "--notify-command", command]
    )
    assert result.exit_code == 0, result.output
    assert "Saved search 'robots': 4 new hits" in result.stdout
    data = json.loads(received.read_text())
    assert [a["watch"] for a in data["alerts"]] == ["robots", "putin chess"]


def test_the_atom_feed_parses_and_links_to_turns(bundled_index):
    client = TestClient(create_app(bundled_index), base_url="http://127.0.0.1")
    answer = client.get("/feed", params={"q": "robots", "speaker": "putin"})
    assert answer.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(answer.text)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "remarks: robots speaker: putin"
    dates = [e.updated for e in feed.entries]
    assert dates == sorted(dates, reverse=True) and len(feed.entries) > 3
    for entry in feed.entries:
        link = entry.link.replace("http://127.0.0.1", "")
        assert link.startswith("/t/") and entry.author == "Vladimir Putin"
        page = client.get(link)
        assert page.status_code == 200 and 'class="turn focus' in page.text
    html = client.get("/", params={"q": "robots"}).text
    assert 'rel="alternate" type="application/atom+xml"' in html and 'id="feed"' in html


QUERIES = [
    "robots",
    "putin",  # a speaker's name
    "chelyabinsk",  # a title word
    "students workers",
    '"young people"',  # a phrase
    '"people young"',  # its words, not as a phrase
    "robots AND korea",
    "robot* NOT robotics",
    "speaker:baglai",
    "the",  # a stop word only
]


def test_alerts_equal_the_search_restricted_to_the_new_turns(watched):
    """The percolator's shortcuts (plain words read from the new turns' terms, phrases
    skipped when a word is missing) give what a full search gives on those turns."""
    corpus, index = watched
    with TurnIndex(index) as turns:
        book = WatchBook(corpus)
        for i, query in enumerate(QUERIES):
            book.add(turns, Watch(f"q{i}", query))
    shutil.copy(CORPUS / SEED_NAME, corpus)
    report = index_corpus(corpus, index)
    alerts = {
        a.watch: [h.turn_id for h in a.hits] for a in check_watches(index, corpus, report.new_turns)
    }
    for i, query in enumerate(QUERIES):
        expected = _all_hits(index, query, transcript=SEED_ID)
        expected.sort(key=lambda turn_id: int(turn_id.rsplit(":", 1)[1]))
        assert alerts.get(f"q{i}", []) == expected, query
