"""Building in worker processes gives the same index as building in one process."""

import json
import shutil

import pytest

from indexer.building import parallel
from indexer.building.build import index_corpus
from indexer.storage.store import open_index
from searcher.search import search
from searcher.session import TurnIndex
from tests.conftest import CORPUS

QUERIES = ["robots", "young people", '"Direct Line"', "pension OR mortgage", "econ*", "gas -oil"]


@pytest.fixture
def small_corpus(tmp_path):
    """Every fourth bundled transcript (about a quarter of the turns, several segments per
    worker below): the same equivalence, a quarter of the build time."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted(CORPUS.glob("*.txt"))[::4]:
        shutil.copy(path, corpus)
    for name in ("topics.toml", "speakers.toml"):
        shutil.copy(CORPUS / name, corpus)
    return corpus


def _snapshot(index):
    with TurnIndex(index) as turns:
        reader = turns.searcher.reader()
        stored = [fields["turn_id"] for fields in reader.all_stored_fields()]
        results = {}
        for text in QUERIES:
            found = search(turns, text, limit=20, facets=True)
            # Exact ties may come out in either order: compare ranks as (score, id) sets.
            ranked = sorted((round(h.score, 6), h.turn_id) for h in found.hits)
            results[text] = (found.total, ranked, found.facets)
    opened = open_index(index)
    stems = json.loads(opened.stem_table.read_text())
    opened.reader.close()
    return stored, results, stems


def test_workers_build_the_same_index_as_one_process(small_corpus, tmp_path, monkeypatch):
    one = index_corpus(small_corpus, tmp_path / "one", workers=1)
    monkeypatch.setattr(parallel, "SEGMENT_TURNS", 300)  # several segments per worker
    two = index_corpus(small_corpus, tmp_path / "two", workers=2)
    assert (one.workers, two.workers) == (1, 2)
    assert (two.added, two.turns, two.transcripts) == (one.added, one.turns, one.transcripts)
    with TurnIndex(tmp_path / "two") as turns:
        assert len(turns.searcher.reader().leaf_readers()) > 2
    assert _snapshot(tmp_path / "two") == _snapshot(tmp_path / "one")


def test_a_bad_file_fails_alone_when_workers_build(small_corpus, tmp_path):
    corpus = small_corpus
    good = len(list(corpus.glob("*.txt")))
    (corpus / "broken.txt").write_bytes(b"\x00\x01\x02 not text" * 100)
    report = index_corpus(corpus, tmp_path / "index", workers=2)
    assert [f.path for f in report.failed] == ["broken.txt"]
    assert report.added == good
    with TurnIndex(tmp_path / "index") as turns:
        assert search(turns, "robots").total > 0


def test_a_sync_after_a_parallel_build_updates_in_place(small_corpus, tmp_path):
    corpus = small_corpus
    index_corpus(corpus, tmp_path / "index", workers=2)
    victim = sorted(corpus.glob("*.txt"))[-1]
    victim.unlink()
    report = index_corpus(corpus, tmp_path / "index")
    assert (report.removed, report.rebuilt) == (1, False)
    with TurnIndex(tmp_path / "index") as turns:
        reader = turns.searcher.reader()
        assert reader.doc_count() == report.turns
        assert not any(f["transcript"] == victim.stem for f in reader.all_stored_fields())


def test_index_command_takes_a_number_of_workers(runner, small_corpus, tmp_path):
    from searcher.app.cli import app

    index = tmp_path / "index"
    args = ["index", "--corpus", str(small_corpus), "--index", str(index), "--format", "json"]
    result = runner.invoke(app, [*args, "--workers", "2"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rebuilt"] and report["turns"] > 1000 and report["failed"] == []
    refused = runner.invoke(app, [*args, "--workers", "0"])
    assert (refused.exit_code, refused.stderr) == (
        1,
        "Error: --workers 0 is out of range.\nHint: Use 1 or more processes.\n",
    )
