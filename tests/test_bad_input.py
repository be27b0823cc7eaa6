"""Bad transcript files, one at a time: each is reported or warned about, the rest indexed."""

import json
import os

import pytest

from indexer.building import build
from indexer.building.build import index_corpus
from indexer.parsing.reading import SourceFile
from searcher.app.cli import app
from searcher.search import search
from searcher.session import TurnIndex
from tests.conftest import write_transcript

HEADER = "A test meeting\nMarch 3, 2021, Moscow\n\n"


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_transcript(folder, "good.txt", "Ivan Petrov: Zeppelins are back.\n")
    return folder


def run_index(runner, corpus, tmp_path):
    args = ["index", "--corpus", str(corpus), "--index", str(tmp_path / "index")]
    result = runner.invoke(app, [*args, "--format", "json"])
    return result, json.loads(result.stdout)


def still_searchable(tmp_path):
    with TurnIndex(tmp_path / "index") as turns:
        return [h.turn_id for h in search(turns, "zeppelins").hits] == ["good:1"]


def test_windows_1251_is_read_and_named(corpus, tmp_path, runner):
    text = HEADER + "Иван Петров: Дирижабли вернулись.\nIvan Petrov: Airships.\n"
    (corpus / "cyr.txt").write_bytes(text.encode("cp1251"))
    result, report = run_index(runner, corpus, tmp_path)
    assert result.exit_code == 0
    assert report["warnings"] == [
        {"path": "cyr.txt", "warning": "not valid UTF-8; read as Windows-1251"}
    ]
    with TurnIndex(tmp_path / "index") as turns:
        assert [h.turn_id for h in search(turns, "airships").hits] == ["cyr:2"]
        assert search(turns, "Дирижабли").hits[0].speaker == "Иван Петров"


def test_latin_text_in_windows_1252_is_read_and_named(corpus, tmp_path, runner):
    (corpus / "w.txt").write_bytes(
        (HEADER + "Jörg Schönenborn: Café “society”.\n").encode("cp1252")
    )
    result, report = run_index(runner, corpus, tmp_path)
    assert result.exit_code == 0
    assert report["warnings"] == [
        {"path": "w.txt", "warning": "not valid UTF-8; read as Windows-1252"}
    ]
    with TurnIndex(tmp_path / "index") as turns:
        hit = search(turns, "cafe").hits[0]
        assert (hit.speaker, hit.text) == ("Jörg Schönenborn", "Café “society”.")


def test_utf8_with_bom_and_crlf(corpus, tmp_path, runner):
    (corpus / "crlf.txt").write_bytes(
        ("\ufeff" + HEADER + "Anna Lee: Airships.\r\nAnd balloons.\r\n")
        .replace("\n", "\r\n")
        .encode()
    )
    result, report = run_index(runner, corpus, tmp_path)
    assert (result.exit_code, report["warnings"], report["failed"]) == (0, [], [])
    with TurnIndex(tmp_path / "index") as turns:
        assert search(turns, "balloons").hits[0].text == "Airships.\nAnd balloons."


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("empty.txt", b"", "{path} is empty."),
        ("blank.txt", b"\n \n\t\n", "{path} is empty."),
        (
            "binary.txt",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "{path} is not a text file (it contains binary data).",
        ),
        ("header.txt", HEADER.encode(), "{path} has a title but no text."),
    ],
)
def test_unreadable_files_fail_alone(corpus, tmp_path, runner, name, content, error):
    (corpus / name).write_bytes(content)
    result, report = run_index(runner, corpus, tmp_path)
    assert result.exit_code == 1
    assert report["failed"] == [{"path": name, "error": error.format(path=corpus / name)}]
    assert report["added"] == 1
    assert f"Failed: {name}: " in result.stderr
    assert still_searchable(tmp_path)


def test_no_speaker_labels_is_one_unattributed_turn_with_a_warning(corpus, tmp_path, runner):
    write_transcript(corpus, "speech.txt", "Friends, airships are the future.\nThank you.\n")
    result, report = run_index(runner, corpus, tmp_path)
    assert result.exit_code == 0
    assert report["warnings"] == [
        {
            "path": "speech.txt",
            "warning": "no speaker labels found; indexed as one unattributed turn",
        }
    ]
    with TurnIndex(tmp_path / "index") as turns:
        hit = search(turns, "airships").hits[0]
        assert (hit.turn_id, hit.speaker) == ("speech:1", "Unattributed")


def test_a_50_mb_file_is_refused_with_a_reason(corpus, tmp_path, runner):
    with (corpus / "huge.txt").open("wb") as f:
        f.truncate(50_000_000)
    result, report = run_index(runner, corpus, tmp_path)
    assert result.exit_code == 1
    assert report["failed"] == [
        {
            "path": "huge.txt",
            "error": f"{corpus / 'huge.txt'} is 50.0 MB; remarks reads transcripts of up to 20 MB.",
        }
    ]
    assert still_searchable(tmp_path)


def test_symlink_loops_do_not_hang_or_stop_the_build(corpus, tmp_path, runner):
    os.symlink("loop.txt", corpus / "loop.txt")
    (corpus / "sub").mkdir()
    os.symlink("..", corpus / "sub" / "up")
    write_transcript(corpus / "sub", "nested.txt", "Anna Lee: Balloons.\n")
    result, report = run_index(runner, corpus, tmp_path)
    assert result.exit_code == 1
    assert [f["path"] for f in report["failed"]] == ["loop.txt"]
    assert "Too many levels of symbolic links" in report["failed"][0]["error"]
    assert report["added"] == 2
    with TurnIndex(tmp_path / "index") as turns:
        assert [h.turn_id for h in search(turns, "balloons").hits] == ["sub/nested:1"]


def test_a_file_that_vanishes_after_listing(corpus, tmp_path, monkeypatch):
    real_scan = build.scan_corpus

    def scan_then_delete(folder):
        found = real_scan(folder)
        (folder / "gone.txt").unlink()
        return found

    write_transcript(corpus, "gone.txt", "Anna Lee: Soon gone.\n")
    monkeypatch.setattr(build, "scan_corpus", scan_then_delete)
    report = index_corpus(corpus, tmp_path / "index")
    assert [(f.path, f.error) for f in report.failed] == [
        ("gone.txt", f"{corpus / 'gone.txt'} disappeared before it could be read.")
    ]
    assert report.added == 1
    assert still_searchable(tmp_path)


def test_a_changed_file_that_turns_bad_keeps_its_indexed_version(corpus, tmp_path):
    index_corpus(corpus, tmp_path / "index")
    (corpus / "good.txt").write_bytes(b"\x00\x01\x02")
    report = index_corpus(corpus, tmp_path / "index")
    assert [f.error for f in report.failed] == [
        f"{corpus / 'good.txt'} is not a text file (it contains binary data). "
        "(the indexed version is kept)"
    ]
    assert still_searchable(tmp_path)


def test_source_file_for_a_broken_link_is_listed(corpus):
    os.symlink("missing-target.txt", corpus / "dangling.txt")
    found = build.scan_corpus(corpus)
    assert SourceFile("dangling.txt", corpus / "dangling.txt", -1, -1) in found
