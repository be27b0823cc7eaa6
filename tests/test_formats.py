"""Transcript formats besides the plain layout (issue 13): WebVTT, SRT, Otter.ai and Rev text
exports, JSON and JSON Lines — each read from fixtures written from the formats'
documentation, and the seed transcript rendered in every format giving the same speakers and
turn texts as the plain file."""

import json
import shutil

import pytest

from indexer.building.adding import add_transcripts
from indexer.building.build import index_corpus
from indexer.errors import AddError
from indexer.parsing.formats import detect_format
from indexer.parsing.reading import load_transcript
from searcher.app.cli import app
from tests.conftest import CORPUS, SEED_NAME

# WebVTT as in the W3C specification's examples: a header, a NOTE, voice spans with classes.
VTT = """WEBVTT
Title: Council meeting
Date: 2021-03-03

NOTE This file was made by the clerk's office.

00:00:01.000 --> 00:00:04.000
<v Maria Lopez>Good evening, the council is in session.</v>

00:00:04.500 --> 00:00:08.000
<v Maria Lopez>First item: the new bus depot.

00:01:05.000 --> 00:01:09.000
<v.loud John O'Brien>We object to the <b>depot's</b> location.</v>

00:01:09.500 --> 00:01:12.000
Maria Lopez: Noted, thank you.
"""

# SRT as broadcasters deliver it: numbered cues, comma before milliseconds, names in capitals
# at a change of speaker (sometimes after ">>"), continuation cues without a name.
SRT = """1
00:00:01,000 --> 00:00:04,000
CHAIR MCCAIN: The hearing will come to order.

2
00:00:04,500 --> 00:00:07,000
We are here to discuss the budget.

3
00:00:08,000 --> 00:01:11,000
>> SENATOR JONES: Thank you,
Mr. Chairman.

4
00:01:11,500 --> 00:01:14,000
I have three questions.
"""

# Otter.ai's "Export text": speaker and time on one line, the paragraph below, a footer.
OTTER = """Anna Kim  0:02
Thanks for joining us today.

Speaker 2  0:05
Happy to be here. We started the clinic in 2019.
It now serves 3,000 patients.

Anna Kim  1:15
What changed after the pandemic?

Transcribed by https://otter.ai
"""

# Rev's text export, with and without the timestamps in the speaker line.
REV = """Podcast episode 12

Jane Doe (00:01):
Welcome to the show.

Bob Ray (00:04):
Thanks, Jane.
It is good to be back.

Jane Doe (01:02:03):
Let's talk about housing.
"""
REV_COLON = """Jane Doe: (00:01) Welcome to the show.
Bob Ray: (00:04) Thanks, Jane.
Jane Doe: (01:15) Let's talk about housing.
"""

JSON_DOC = {
    "title": "Board meeting",
    "date": "2023-01-15",
    "place": "Oslo",
    "turns": [
        {"speaker": "Ola Nordmann", "text": "Welcome.", "start": 0},
        {"speaker": "Kari Nordmann", "text": "Thank you.", "start": "00:00:05.5"},
        {"speaker": "Kari Nordmann", "text": "The budget is ready.", "start": 7},
    ],
}


def read(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_transcript(path, tmp_path)


def shape(transcript):
    return [(t.speaker, t.role, t.start, t.text) for t in transcript.turns]


def test_webvtt_voice_spans_and_labels(tmp_path):
    loaded = read(tmp_path, "minutes.vtt", VTT)
    t = loaded.transcript
    assert loaded.format == "vtt"
    assert (t.title, str(t.date)) == ("Council meeting", "2021-03-03")
    assert shape(t) == [
        (
            "Maria Lopez",
            None,
            1.0,
            "Good evening, the council is in session. First item: the new bus depot.",
        ),
        ("John O'Brien", None, 65.0, "We object to the depot's location."),
        ("Maria Lopez", None, 69.5, "Noted, thank you."),
    ]


def test_srt_names_in_capitals_and_continuations(tmp_path):
    loaded = read(tmp_path, "2020-06-01_budget-hearing.srt", SRT)
    t = loaded.transcript
    assert loaded.format == "srt"
    assert (t.title, str(t.date)) == ("Budget hearing", "2020-06-01")  # from the file name
    assert shape(t) == [
        (
            "McCain",
            "Chair",
            1.0,
            "The hearing will come to order. We are here to discuss the budget.",
        ),
        ("Jones", "Senator", 8.0, "Thank you, Mr. Chairman. I have three questions."),
    ]


def test_otter_export(tmp_path):
    loaded = read(tmp_path, "interview.txt", OTTER)
    assert loaded.format == "otter"
    assert shape(loaded.transcript) == [
        ("Anna Kim", None, 2.0, "Thanks for joining us today."),
        (
            "Speaker 2",
            None,
            5.0,
            "Happy to be here. We started the clinic in 2019.\nIt now serves 3,000 patients.",
        ),
        ("Anna Kim", None, 75.0, "What changed after the pandemic?"),
    ]


@pytest.mark.parametrize("text", [REV, REV_COLON])
def test_rev_export(tmp_path, text):
    loaded = read(tmp_path, "episode.txt", text)
    assert loaded.format == "rev"
    turns = shape(loaded.transcript)
    assert [(s, start) for s, _, start, _ in turns] == [
        ("Jane Doe", 1.0),
        ("Bob Ray", 4.0),
        ("Jane Doe", 3723.0 if text is REV else 75.0),
    ]
    assert "(00:" not in " ".join(t for *_, t in turns)  # no timestamps left in the text


def test_json_and_json_lines(tmp_path):
    loaded = read(tmp_path, "board.json", json.dumps(JSON_DOC))
    t = loaded.transcript
    assert (loaded.format, t.title, str(t.date), t.place) == (
        "json",
        "Board meeting",
        "2023-01-15",
        "Oslo",
    )
    assert shape(t) == [
        ("Ola Nordmann", None, 0.0, "Welcome."),
        ("Kari Nordmann", None, 5.5, "Thank you.\nThe budget is ready."),
    ]
    lines = [{"title": "Call", "date": "2023-02-01"}, *JSON_DOC["turns"]]
    loaded = read(tmp_path, "call.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    assert loaded.format == "jsonl"
    assert (loaded.transcript.title, len(loaded.transcript.turns)) == ("Call", 2)


def test_the_plain_layout_is_still_plain():
    assert detect_format((CORPUS / SEED_NAME).read_text(encoding="utf-8")) == "plain"
    for path in sorted(CORPUS.glob("*.txt"))[:10]:
        assert detect_format(path.read_text(encoding="utf-8")) == "plain", path


def _merged(transcript):
    """(speaker, role, text with spaces normalised) per turn, consecutive turns of one speaker
    joined — as captions join them."""
    merged: list[list] = []
    for t in transcript.turns:
        text = " ".join(t.text.split())
        if merged and merged[-1][0] == t.speaker and not t.anonymous:
            merged[-1][2] += " " + text
        else:
            merged.append([t.speaker, t.role, text])
    return [tuple(m) for m in merged]


def _render(transcript, fmt: str) -> str:
    """The seed transcript written in another format, a cue per paragraph, labels as printed."""
    cues = [(t.label, p) for t in transcript.turns for p in t.paragraphs]
    stamp = lambda i, sep: f"00:{i // 60:02d}:{i % 60:02d}{sep}000"  # noqa: E731
    if fmt == "vtt":
        body = [
            f"{stamp(i, '.')} --> {stamp(i + 1, '.')}\n<v {who}>{text}</v>"
            for i, (who, text) in enumerate(cues)
        ]
        return "WEBVTT\n\n" + "\n\n".join(body) + "\n"
    if fmt == "srt":
        return (
            "\n\n".join(
                f"{i + 1}\n{stamp(i, ',')} --> {stamp(i + 1, ',')}\n{who}: {text}"
                for i, (who, text) in enumerate(cues)
            )
            + "\n"
        )
    if fmt == "otter":
        return (
            "\n\n".join(
                f"{who}  {i // 60}:{i % 60:02d}\n{text}" for i, (who, text) in enumerate(cues)
            )
            + "\n"
        )
    if fmt == "rev":
        return (
            "\n\n".join(
                f"{who} ({i // 60:02d}:{i % 60:02d}):\n{text}" for i, (who, text) in enumerate(cues)
            )
            + "\n"
        )
    rows = [{"speaker": who, "text": text, "start": i} for i, (who, text) in enumerate(cues)]
    if fmt == "json":
        return json.dumps({"title": transcript.title, "date": str(transcript.date), "turns": rows})
    return "\n".join(json.dumps(r) for r in [{"title": transcript.title}, *rows]) + "\n"


@pytest.mark.parametrize("fmt", ["vtt", "srt", "otter", "rev", "json", "jsonl"])
def test_the_seed_in_every_format_gives_the_same_turns(tmp_path, fmt):
    plain = load_transcript(CORPUS / SEED_NAME, CORPUS).transcript
    loaded = read(
        tmp_path,
        f"seed.{fmt if fmt in ('vtt', 'srt', 'json', 'jsonl') else 'txt'}",
        _render(plain, fmt),
    )
    assert loaded.format == fmt
    got, want = _merged(loaded.transcript), _merged(plain)
    assert [(speaker, text) for speaker, _, text in got] == [(s, t) for s, _, t in want]
    if fmt not in ("vtt", "srt"):  # captions have no paragraphs: roles are read in sentences
        assert got == want


def test_index_reports_formats_and_json_shows_start(tmp_path, runner):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "minutes.vtt").write_text(VTT, encoding="utf-8")
    (corpus / "notes.json").write_text('{"kind": "not a transcript"}', encoding="utf-8")
    index = tmp_path / "index"
    result = runner.invoke(app, ["index", "--corpus", str(corpus), "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert "Read as captions or exports: minutes.vtt (WebVTT captions)." in result.stdout
    assert "notes.json: skipped: JSON that is not one transcript" in result.stderr
    report = json.loads(
        runner.invoke(
            app,
            [
                "index",
                "--corpus",
                str(corpus),
                "--index",
                str(index),
                "--rebuild",
                "--format",
                "json",
            ],
        ).stdout
    )
    assert report["formats"] == [{"path": "minutes.vtt", "format": "WebVTT captions"}]
    hits = json.loads(
        runner.invoke(app, ["search", "depot", "--index", str(index), "--format", "json"]).stdout
    )["hits"]
    assert [(h["speaker"], h["start"]) for h in hits] == [
        ("John O'Brien", 65.0),
        ("Maria Lopez", 1.0),
    ]
    text = runner.invoke(app, ["search", "depot", "--index", str(index)]).stdout
    assert "John O'Brien [01:05]" in text


def test_a_twin_file_name_is_reported(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "minutes.vtt").write_text(VTT, encoding="utf-8")
    shutil.copy(CORPUS / SEED_NAME, corpus / "minutes.txt")
    report = index_corpus(corpus, tmp_path / "index")
    assert [(f.path, f.error) for f in report.failed] == [
        (
            "minutes.vtt",
            "minutes.vtt and minutes.txt would be the same transcript; rename one of them and "
            "run `remarks index` again.",
        )
    ]
    assert report.added == 1


def test_add_copies_nothing_when_a_file_would_fail(tmp_path, runner):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / SEED_NAME, corpus)
    index = tmp_path / "index"
    index_corpus(corpus, index)
    before = sorted(p.name for p in corpus.iterdir())
    good = tmp_path / "minutes.vtt"
    good.write_text(VTT, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    page = tmp_path / "saved-page.txt"
    page.write_text("<!DOCTYPE html>\n<html><body><p>Hi</p></body></html>\n", encoding="utf-8")
    for bad, said in ((empty, "is empty"), (page, "is a saved web page (HTML), not a transcript")):
        args = ["add", str(good), str(bad), "--corpus", str(corpus), "--index", str(index)]
        result = runner.invoke(app, args)
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith(f"Error: {bad} {said}. Nothing was added.")
        assert sorted(p.name for p in corpus.iterdir()) == before
        with pytest.raises(AddError):
            add_transcripts([good, bad], corpus)
        assert sorted(p.name for p in corpus.iterdir()) == before
    # the index still answers, and later runs are not broken by the refused files
    assert (
        runner.invoke(app, ["index", "--corpus", str(corpus), "--index", str(index)]).exit_code == 0
    )
    result = runner.invoke(app, ["add", str(good), "--corpus", str(corpus), "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert (corpus / "minutes.vtt").exists()


def test_caption_conventions_and_whisper_output(tmp_path):
    """Zoom's numbered cues, sound descriptions, dialogue dashes, bracketed speakers, and
    Whisper's JSON (segments without speakers) read as people would expect."""
    zoom = "WEBVTT\n\n1\n00:00:01.500 --> 00:00:04.200\nJane Doe: Welcome.\n\n" + (
        "2\n00:00:04.500 --> 00:00:08.000\nJane Doe: Tonight, zoning.\n\n"
        "3\n00:00:09.000 --> 00:00:12.000\nBob Smith: Thank you, Madam Chair.\n"
    )
    assert shape(read(tmp_path, "zoom.vtt", zoom).transcript) == [
        ("Jane Doe", None, 1.5, "Welcome. Tonight, zoning."),
        ("Bob Smith", None, 9.0, "Thank you, Madam Chair."),
    ]
    film = (
        "1\n00:00:01,000 --> 00:00:03,000\n<i>[MUSIC PLAYING]</i>\n\n"
        "2\n00:00:03,500 --> 00:00:06,000\n- Where were you?\n- At the council meeting.\n\n"
        "3\n00:00:06,500 --> 00:00:08,000\n[Mayor] We need more homes.\n\n"
        "4\n00:00:08,500 --> 00:00:09,000\n[Laughter] So, anyway.\n"
    )
    assert shape(read(tmp_path, "film.srt", film).transcript) == [
        ("Unattributed", None, 3.5, "Where were you? At the council meeting."),
        ("Mayor", None, 6.5, "We need more homes. [Laughter] So, anyway."),
    ]
    whisper = {
        "text": " Hello there. The budget passed.",
        "segments": [
            {"id": 0, "start": 0.0, "end": 2.0, "text": " Hello there."},
            {"id": 1, "start": 2.0, "end": 4.0, "text": " The budget passed."},
        ],
    }
    loaded = read(tmp_path, "2024-05-01_budget.json", json.dumps(whisper))
    assert shape(loaded.transcript) == [
        ("Unattributed", None, 0.0, "Hello there.\nThe budget passed.")
    ]
    assert (loaded.transcript.title, str(loaded.transcript.date)) == ("Budget", "2024-05-01")
