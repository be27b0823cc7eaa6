"""Index integrity: odd files, full disks, killed builds, damaged index files (issue 19).

Every case ends in a correct answer or a clear `Error:`/`Hint:`, never a traceback and never a
silently different result.
"""

import json
import shutil

import pytest
from fastapi.testclient import TestClient

from indexer.build import index_corpus
from searcher.browse import index_stats, list_speakers
from searcher.cli import app
from searcher.search import search
from searcher.session import TurnIndex
from searcher.web import create_app
from tests.conftest import CORPUS, SEED_NAME


@pytest.fixture
def small_corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(CORPUS / SEED_NAME, folder)
    for path in sorted(CORPUS.glob("2017-*.txt"))[:3]:
        shutil.copy(path, folder)
    return folder


def test_segments_with_different_columns_read_correctly(small_corpus, tmp_path, runner):
    """A speech (no speaker labels, so no role) added by a sync gives a segment without the
    role column: facets, speakers, stats and the web page read every segment right."""
    index = tmp_path / "index"
    index_corpus(small_corpus, index)
    (small_corpus / "aa.txt").write_text("A speech\n\nDear friends, hello.\n", encoding="utf-8")
    index_corpus(small_corpus, index)
    with TurnIndex(index) as turns:
        assert len(turns.searcher.reader().leaf_readers()) == 2
        speakers = {s.name: s for s in list_speakers(turns)}
        assert speakers["Unattributed"].roles == []
        assert speakers["Vladimir Putin"].roles == ["President of Russia"]
        result = search(turns, "friends OR putin", facets=True)
        assert result.facets["role"]["President of Russia"] == speakers["Vladimir Putin"].turns
        assert index_stats(turns).transcripts == 5
    result = runner.invoke(app, ["speakers", "--index", str(index), "--format", "json"])
    assert result.exit_code == 0, result.output
    client = TestClient(create_app(index))
    assert client.get("/", params={"q": "friends"}).status_code == 200
    api = client.get("/api/search", params={"q": "friends", "facets": "true"})
    assert api.status_code == 200
    assert json.loads(api.text)["hits"][0]["speaker"] == "Unattributed"


def test_dated_and_undated_transcripts_in_one_segment(tmp_path, runner):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "A meeting\nMarch 3, 2021, Moscow\n\nIvan Petrov: Zeppelins are back.\n", encoding="utf-8"
    )
    (corpus / "b.txt").write_text("A speech\n\nDear friends, zeppelins.\n", encoding="utf-8")
    index = tmp_path / "index"
    index_corpus(corpus, index)
    with TurnIndex(index) as turns:
        assert search(turns, "zeppelins", facets=True).facets["year"] == {"2021": 1}
        stats = index_stats(turns)
        assert (stats.first_date, stats.last_date, stats.turns) == ("2021-03-03", "2021-03-03", 2)
    result = runner.invoke(app, ["stats", "--index", str(index)])
    assert result.exit_code == 0
    assert "Dates:       2021-03-03 to 2021-03-03" in result.stdout
