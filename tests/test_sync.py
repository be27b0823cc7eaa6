"""`remarks index` keeps the index in step with the corpus: add, change, remove, skip."""

import os
import shutil

import pytest

from indexer.building import ingest
from indexer.building.build import index_corpus
from indexer.schema import FORMAT_VERSION
from indexer.storage.store import META, live_generation
from searcher.app.cli import app
from searcher.search import search
from searcher.session import TurnIndex
from tests.conftest import CORPUS, write_transcript

KREMLIN = sorted(p.name for p in CORPUS.glob("2010-*.txt")) + sorted(
    p.name for p in CORPUS.glob("2013-*.txt")
)


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in KREMLIN:
        shutil.copy(CORPUS / name, folder)
    return folder


def counts(report):
    return (report.added, report.updated, report.removed, report.unchanged, len(report.failed))


def hits(index, query):
    with TurnIndex(index) as turns:
        return [h.turn_id for h in search(turns, query, limit=50).hits]


def test_add_change_delete_are_reported_and_searchable(corpus, tmp_path):
    index = tmp_path / "index"
    first = index_corpus(corpus, index)
    assert (first.rebuilt, counts(first)) == (True, (4, 0, 0, 0, 0))

    write_transcript(corpus, "zeppelin.txt", "Ivan Petrov: Zeppelins are back.\n")
    added = index_corpus(corpus, index)
    assert (added.rebuilt, counts(added)) == (False, (1, 0, 0, 4, 0))
    assert hits(index, "zeppelins") == ["zeppelin:1"]

    write_transcript(corpus, "zeppelin.txt", "Ivan Petrov: Airships instead.\n")
    changed = index_corpus(corpus, index)
    assert counts(changed) == (0, 1, 0, 4, 0)
    assert (hits(index, "zeppelins"), hits(index, "airships")) == ([], ["zeppelin:1"])

    (corpus / "zeppelin.txt").unlink()
    removed = index_corpus(corpus, index)
    assert counts(removed) == (0, 0, 1, 4, 0)
    assert hits(index, "airships") == []
    assert (removed.transcripts, removed.turns) == (first.transcripts, first.turns)


def test_unchanged_files_are_not_read_again(corpus, tmp_path, monkeypatch):
    index = tmp_path / "index"
    index_corpus(corpus, index)
    write_transcript(corpus, "new.txt", "Ivan Petrov: Hello.\n")
    read = []
    original = ingest.read_bytes
    monkeypatch.setattr(ingest, "read_bytes", lambda path: read.append(path.name) or original(path))
    index_corpus(corpus, index)
    assert read == ["new.txt"]


def test_a_touched_file_with_the_same_content_is_unchanged(corpus, tmp_path):
    index = tmp_path / "index"
    index_corpus(corpus, index)
    target = corpus / KREMLIN[0]
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))
    report = index_corpus(corpus, index)
    assert counts(report) == (0, 0, 0, 4, 0)


def test_a_change_that_keeps_size_and_time_is_found_by_rebuild_only(corpus, tmp_path):
    """Size and modification time are the fast path; --rebuild re-reads everything."""
    index = tmp_path / "index"
    index_corpus(corpus, index)
    target = corpus / KREMLIN[0]
    stat = target.stat()
    data = target.read_bytes().replace(b"from Kyrgyzstan?", b"from Kyrgyzstam?", 1)
    target.write_bytes(data)
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert counts(index_corpus(corpus, index)) == (0, 0, 0, 4, 0)
    assert counts(index_corpus(corpus, index, rebuild=True)) == (4, 0, 0, 0, 0)
    assert hits(index, "Kyrgyzstam") != []


def test_rebuild_is_a_new_generation(corpus, tmp_path):
    index = tmp_path / "index"
    index_corpus(corpus, index)
    before = live_generation(index)
    report = index_corpus(corpus, index, rebuild=True)
    assert report.rebuilt and report.reason == "asked for"
    assert live_generation(index) != before


def test_index_from_an_older_version_is_rebuilt_automatically(corpus, tmp_path, runner):
    index = tmp_path / "index"
    index_corpus(corpus, index)
    gen = live_generation(index)
    (gen / META).write_text('{"format": "schema-1.analyzer-1"}')
    result = runner.invoke(app, ["index", "--corpus", str(corpus), "--index", str(index)])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == (
        f"Built the index from scratch (The index at {index} was built by another version of "
        f"remarks (format 'schema-1.analyzer-1', this version reads '{FORMAT_VERSION}').)."
    )


def test_a_searcher_sees_a_sync_after_refresh(corpus, tmp_path):
    index = tmp_path / "index"
    index_corpus(corpus, index)
    with TurnIndex(index) as turns:
        write_transcript(corpus, "z.txt", "Ivan Petrov: Zeppelins.\n")
        index_corpus(corpus, index)
        assert search(turns, "zeppelins").total == 0
        turns.refresh()
        assert search(turns, "zeppelins").total == 1


def test_remarks_add_copies_and_indexes(corpus, tmp_path, runner):
    index = tmp_path / "index"
    index_corpus(corpus, index)
    outside = tmp_path / "new"
    outside.mkdir()
    new = write_transcript(outside, "airship.txt", "Ivan Petrov: Airships.\n")
    args = ["add", str(new), "--corpus", str(corpus), "--index", str(index)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"{new} → {corpus / 'airship.txt'} (copied)",
        "Added 1, updated 0, removed 0, unchanged 4, failed 0 in "
        + result.stdout.splitlines()[1].split(" in ")[1],
    ]
    assert hits(index, "airships") == ["airship:1"]

    again = runner.invoke(app, args)
    assert again.stdout.splitlines()[0] == f"{new} → {corpus / 'airship.txt'} (already there)"

    write_transcript(outside, "airship.txt", "Ivan Petrov: Balloons.\n")
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"Error: {corpus / 'airship.txt'} already exists and differs from {new}.\n"
        "Hint: Rename the new file, or pass --force to replace the one in the corpus.\n"
    )
    assert hits(index, "balloons") == []
    forced = runner.invoke(app, [*args, "--force"])
    assert forced.exit_code == 0
    assert "(replaced)" in forced.stdout
    assert hits(index, "balloons") == ["airship:1"]


def test_index_json_report_has_the_contract_keys(corpus, tmp_path, runner):
    args = ["index", "--corpus", str(corpus), "--index", str(tmp_path / "ix"), "--format", "json"]
    import json

    data = json.loads(runner.invoke(app, args).stdout)
    assert set(data) >= {"added", "updated", "removed", "unchanged", "failed", "seconds"}
    assert (data["added"], data["failed"]) == (4, [])
