"""Every command through typer's CliRunner: output, JSON contract, and errors."""

import json

import pytest

from indexer.storage.store import CURRENT, META, live_generation
from searcher.app.cli import app
from tests.conftest import SEED_ID, write_transcript

S = SEED_ID

HIT_KEYS = {
    "rank",
    "score",
    "turn_id",
    "transcript",
    "title",
    "date",
    "speaker",
    "role",
    "topics",
    "text",
    "snippet",
    "highlights",
}


@pytest.fixture
def seed_index(runner, seed_corpus, tmp_path):
    index = tmp_path / "index"
    result = runner.invoke(app, ["index", "--corpus", str(seed_corpus), "--index", str(index)])
    assert result.exit_code == 0, result.output
    return index


def run(runner, *args):
    return runner.invoke(app, [str(a) for a in args])


def test_index_reports_what_it_built(runner, seed_corpus, tmp_path):
    result = run(runner, "index", "--corpus", seed_corpus, "--index", tmp_path / "ix")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Built the index from scratch (no index yet)."
    assert lines[1].startswith("Added 1, updated 0, removed 0, unchanged 0, failed 0 in ")
    assert lines[1].endswith(" s. The index holds 1 transcript, 82 turns.")
    assert live_generation(tmp_path / "ix") is not None


def test_index_json_report(runner, seed_corpus, tmp_path):
    result = run(
        runner, "index", "--corpus", seed_corpus, "--index", tmp_path / "ix", "--format", "json"
    )
    report = json.loads(result.stdout)
    assert {k: report[k] for k in ("added", "updated", "removed", "unchanged", "failed")} == {
        "added": 1,
        "updated": 0,
        "removed": 0,
        "unchanged": 0,
        "failed": [],
    }
    assert isinstance(report["seconds"], float)


def test_search_listing(runner, seed_index):
    result = run(runner, "search", "robots", "--index", seed_index, "--limit", "2")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "4 turns match 'robots' (showing 1–2)."
    assert lines[2] == (
        "  1. Pavel Baglai — head of the Industrial Process Automation Department at a "
        "robotics factory"
    )
    assert lines[3] == (
        "     Meeting with students and workers of industrial enterprises in the Chelyabinsk "
        f"Region · 2024-02-16, Chelyabinsk · {S}:13"
    )
    assert lines[4] == (
        "     My name is Pavel Baglai and I am the head of the Industrial Process Automation "
        "Department at a *robotics* factory. Actually, my question dovetails with my "
        "colleague’s but in the context of *robots*."
    )
    assert lines[6] == "  2. Vladimir Putin — President of Russia"


def test_search_builds_the_index_when_there_is_none(runner, seed_corpus, tmp_path):
    index = tmp_path / "new-index"
    result = run(runner, "search", "chessboxing", "--corpus", seed_corpus, "--index", index)
    assert result.exit_code == 0
    assert result.stdout.startswith("4 turns match 'chessboxing'")
    assert live_generation(index) is not None


def test_environment_variables_choose_the_folders(runner, seed_corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("REMARKS_CORPUS", str(seed_corpus))
    monkeypatch.setenv("REMARKS_INDEX", str(tmp_path / "env-index"))
    assert run(runner, "search", "trolleybus").exit_code == 0
    assert live_generation(tmp_path / "env-index") is not None


def test_search_json_contract(runner, seed_index):
    result = run(runner, "search", "robots", "--index", seed_index, "--format", "json")
    data = json.loads(result.stdout)
    assert (data["query"], data["total"], data["suggestion"]) == ("robots", 4, None)
    first = data["hits"][0]
    assert set(first) >= HIT_KEYS
    assert (first["rank"], first["turn_id"], first["speaker"], first["role"]) == (
        1,
        f"{S}:13",
        "Pavel Baglai",
        "head of the Industrial Process Automation Department at a robotics factory",
    )
    assert first["date"] == "2024-02-16"
    assert [first["snippet"][s:e] for s, e in first["highlights"]] == ["robotics", "robots"]
    assert [h["rank"] for h in data["hits"]] == list(range(1, 5))


def test_search_filters_on_the_command_line(runner, seed_index):
    result = run(
        runner, "search", "", "--speaker", "teksler", "--index", seed_index, "--format", "json"
    )
    data = json.loads(result.stdout)
    assert [(h["turn_id"], h["role"]) for h in data["hits"]] == [
        (f"{S}:57", "Chelyabinsk Region Governor"),
        (f"{S}:59", "Chelyabinsk Region Governor"),
    ]
    result = run(
        runner,
        "search",
        "robots",
        "--role",
        "president",
        "--since",
        "2024-02",
        "--until",
        "2024",
        "--index",
        seed_index,
        "--format",
        "json",
    )
    assert {h["speaker"] for h in json.loads(result.stdout)["hits"]} == {"Vladimir Putin"}


def test_no_match_says_so_and_suggests(runner, seed_index):
    result = run(runner, "search", "chesboxing", "--index", seed_index)
    assert result.exit_code == 0
    assert result.stdout == "No turns match 'chesboxing'.\nDid you mean: chessboxing\n"
    data = json.loads(
        run(runner, "search", "chesboxing", "--index", seed_index, "--format", "json").stdout
    )
    assert (data["total"], data["hits"], data["suggestion"]) == (0, [], "chessboxing")


@pytest.mark.parametrize("query", ['"unbalanced', "(robots", "AND", "*", "x" * 5000, "a\x01b"])
def test_malformed_queries_exit_zero(runner, seed_index, query):
    result = run(runner, "search", query, "--index", seed_index, "--format", "json")
    assert result.exit_code == 0
    assert isinstance(json.loads(result.stdout)["total"], int)


def test_show_with_context(runner, seed_index):
    result = run(runner, "show", f"{S}:12", "--context", "1", "--index", seed_index)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        "Meeting with students and workers of industrial enterprises in the Chelyabinsk Region",
        "2024-02-16, Chelyabinsk",
    ]
    assert "  [11] Vladimir Putin (President of Russia)" in lines
    assert (
        "▶ [12] Nikolai Yakovlev (personnel department at the Chelyabinsk tractor plant – "
        "URALTRAK)" in lines
    )
    assert "    Thank you very much." in lines
    assert any(line.startswith("  [13] Pavel Baglai (head of the Industrial") for line in lines)


def test_show_json_contract(runner, seed_index):
    result = run(
        runner, "show", f"{S}:12", "--context", "2", "--index", seed_index, "--format", "json"
    )
    data = json.loads(result.stdout)
    assert data["turn"]["turn_id"] == f"{S}:12"
    assert HIT_KEYS - {"rank", "score"} <= set(data["turn"])
    assert "rank" not in data["turn"]
    assert [t["turn_id"] for t in data["before"]] == [f"{S}:10", f"{S}:11"]
    assert [t["turn_id"] for t in data["after"]] == [f"{S}:13", f"{S}:14"]


def test_speakers(runner, seed_index):
    data = json.loads(run(runner, "speakers", "--index", seed_index, "--format", "json").stdout)
    assert data[0] == {
        "name": "Vladimir Putin",
        "roles": ["President of Russia"],
        "turns": 40,
        "transcripts": 1,
        "attributes": {},
    }
    assert {
        "name": "Alexei Teksler",
        "roles": ["Chelyabinsk Region Governor"],
        "turns": 2,
        "transcripts": 1,
        "attributes": {},
    } in data
    assert len(data) == 14
    text = run(runner, "speakers", "--index", seed_index).stdout
    assert "Vladimir Putin" in text and "Yevgeny Klyuchnikov" in text


def test_stats(runner, seed_index):
    data = json.loads(run(runner, "stats", "--index", seed_index, "--format", "json").stdout)
    assert {
        k: data[k] for k in ("transcripts", "turns", "speakers", "first_date", "last_date")
    } == {
        "transcripts": 1,
        "turns": 82,
        "speakers": 14,
        "first_date": "2024-02-16",
        "last_date": "2024-02-16",
    }
    assert data["index_bytes"] > 0
    text = run(runner, "stats", "--index", seed_index).stdout
    assert "Turns:       82" in text


def test_missing_corpus_is_a_one_line_error(runner, tmp_path):
    result = run(runner, "index", "--corpus", tmp_path / "nowhere", "--index", tmp_path / "ix")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: The corpus folder {tmp_path / 'nowhere'} does not exist.\n"
        "Hint: Create it and put transcripts (.txt, .vtt, .srt, .json) in it, "
        "or pass --corpus PATH.\n"
    )
    assert "Traceback" not in result.output


def test_empty_corpus_is_an_error(runner, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run(runner, "search", "x", "--corpus", tmp_path / "empty", "--index", tmp_path / "ix")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: The corpus folder {tmp_path / 'empty'} has no transcripts"
    )


@pytest.mark.parametrize("command", [["speakers"], ["stats"], ["show", "x:1"]])
def test_missing_index_is_an_error(runner, tmp_path, command):
    result = run(runner, *command, "--index", tmp_path / "none")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: There is no index at {tmp_path / 'none'}.\n"
        "Hint: Run `remarks index` to build it from the corpus, or pass --index PATH.\n"
    )


def test_unknown_turn_id(runner, seed_index):
    result = run(runner, "show", "nope:7", "--index", seed_index)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: There is no turn 'nope:7' in the index.\n"
        "Hint: Turn ids look like TRANSCRIPT:NUMBER; copy one from `remarks search` output.\n"
    )


def test_bad_date_option(runner, seed_index):
    result = run(runner, "search", "robots", "--since", "yesterday", "--index", seed_index)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --since 'yesterday' is not a date.\n")


def test_index_from_another_version_asks_for_a_rebuild(runner, seed_index):
    gen = live_generation(seed_index)
    meta = json.loads((gen / META).read_text())
    (gen / META).write_text(json.dumps({**meta, "format": "schema-0.analyzer-0"}))
    result = run(runner, "search", "robots", "--index", seed_index)
    assert result.exit_code == 1
    assert "was built by another version of remarks" in result.stderr
    assert result.stderr.endswith(
        "Hint: Run `remarks index --rebuild` to build it again from the corpus.\n"
    )


def test_damaged_index_is_an_error_not_a_traceback(runner, seed_index):
    gen = live_generation(seed_index)
    for f in gen.iterdir():
        if f.name != META:
            f.unlink()
    result = run(runner, "stats", "--index", seed_index)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: The index at {seed_index} is damaged (file ")
    assert result.stderr.endswith(
        "Hint: Run `remarks index --rebuild` to build it again from the corpus.\n"
    )


def test_current_pointing_nowhere_is_damage(runner, seed_index):
    (seed_index / CURRENT).write_text("gen-does-not-exist\n")
    result = run(runner, "stats", "--index", seed_index)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: The index at {seed_index} is damaged (file CURRENT: it names no generation "
        "of the index).\nHint: Run `remarks index --rebuild` to build it again from the corpus.\n"
    )


def test_unreadable_transcript_is_skipped_and_reported(runner, seed_corpus, tmp_path):
    (seed_corpus / "broken.txt").write_bytes(b"\x00\x01binary")
    write_transcript(seed_corpus, "ok.txt", "Ivan Petrov: Fine words.\n")
    result = run(runner, "index", "--corpus", seed_corpus, "--index", tmp_path / "ix")
    assert result.exit_code == 1
    assert "The index holds 2 transcripts, 83 turns." in result.stdout
    assert result.stderr == (
        f"Failed: broken.txt: {seed_corpus / 'broken.txt'} is not a text file "
        "(it contains binary data).\n"
        "1 file(s) could not be indexed; the others were. "
        "Fix or remove them and run `remarks index` again.\n"
    )


def test_every_command_has_help(runner):
    for command in ("index", "search", "show", "speakers", "stats"):
        result = run(runner, command, "--help")
        assert result.exit_code == 0
        assert "--index" in result.stdout


def test_brackets_and_colons_in_names_are_printed_as_written(runner, tmp_path):
    """Square brackets and :codes: in a file name or a speaker's name are text, not styles
    or emoji codes for the terminal library."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "town hall [draft] :fire:.vtt").write_text(
        "WEBVTT\n\n1\n00:00:01.500 --> 00:00:04.200\n"
        "Anna Lee: Robots build cars here :thumbs_up: today.\n",
        encoding="utf-8",
    )
    index = tmp_path / "index"
    built = run(runner, "index", "--corpus", corpus, "--index", index)
    assert built.exit_code == 0, built.output
    assert "Read as captions or exports: town hall [draft] :fire:.vtt (" in built.output
    result = run(runner, "search", "robots", "--index", index)
    assert result.exit_code == 0, result.output
    assert "town hall [draft] :fire::1" in result.output
    assert ":thumbs_up:" in result.output
