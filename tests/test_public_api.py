"""The library API (issue 11): one import gives everything a script needs, with stable names,
and the command line gives the same answers as the library."""

import json
import shutil

import pytest

import indexer
import searcher
from tests.conftest import CORPUS, SEED_ID, SEED_NAME

STABLE = {
    "index_corpus",
    "add_transcripts",
    "check_index",
    "open_index",
    "Index",
    "Filters",
    "SearchResult",
    "TurnRecord",
    "RemarksError",
    "UsageError",
    "IndexMissingError",
    "IndexDamagedError",
    "UnknownTurnError",
    "QueryTooCostlyError",
}


@pytest.mark.parametrize("package", [searcher, indexer])
def test_every_exported_name_resolves(package):
    assert sorted(package.__all__) == sorted(package._EXPORTS)
    for name in package.__all__:
        assert getattr(package, name) is not None, name
    with pytest.raises(AttributeError):
        package.no_such_name  # noqa: B018


def test_the_stable_names_are_there():
    assert set(searcher.__all__) >= STABLE


def test_the_readme_example_runs(tmp_path, runner):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / SEED_NAME, corpus)
    report = searcher.index_corpus(corpus, tmp_path / "index")
    assert report.added == 1
    with searcher.open_index(tmp_path / "index") as index:
        result = index.search("chessboxing", searcher.Filters(speaker="putin"), limit=5)
        assert result.hits and {h.speaker for h in result.hits} == {"Vladimir Putin"}
        shown = index.show(result.hits[0].turn_id, context=1)
        assert shown.turn.turn_id == result.hits[0].turn_id and shown.before
        assert index.stats().turns == len(index.transcript(SEED_ID))
        assert index.speakers()[0].name == "Vladimir Putin"
        with pytest.raises(searcher.UnknownTurnError):
            index.turn(f"{SEED_ID}:99999")

    from searcher.app.cli import app

    options = ["--speaker", "putin", "--limit", "5", "--format", "json"]
    cli = runner.invoke(app, ["search", "chessboxing", *options, "--index", tmp_path / "index"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output) == result.to_json()


def test_an_open_index_follows_a_rebuild(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / SEED_NAME, corpus)
    searcher.index_corpus(corpus, tmp_path / "index")
    with searcher.open_index(tmp_path / "index") as index:
        before = index.stats().turns
        (corpus / "extra.txt").write_text("A meeting\n\nIvan Petrov: Zeppelins.\n")
        searcher.index_corpus(corpus, tmp_path / "index")
        assert index.stats().turns == before + 1
        assert index.search("zeppelins").total == 1
