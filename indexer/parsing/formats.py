"""Transcript formats other than the plain layout: captions, meeting exports and JSON.

Each reader turns a file's text into `Cue`s — a speaker (or None: the speaker of the cue
before), a text and a start time in seconds — plus whatever title, date and place the file
itself states. `parser.transcript_from_cues` makes turns of them: consecutive cues of one
speaker become one turn that starts when its first cue does.

- **WebVTT** (`WEBVTT` first): voice spans `<v Name>text</v>`, or cues that start `Name:`;
  header lines `Title:`, `Date:`, `Place:` after `WEBVTT`; `NOTE` blocks skipped.
- **SRT** (numbered cues with `00:00:01,000 --> 00:00:04,000`): cues that start `NAME:`,
  `Name:`, `>> NAME:` or `- Name:`.
- **Otter.ai text export**: `Name  0:05` (the speaker, then the time) on a line of its own,
  then the text.
- **Rev text export**: `Name (00:01):` on its own line then the text, or `Name: (00:01) text`.
- **JSON / JSON Lines**: a list of `{"speaker", "text", "start"?, "end"?}`, or an object
  with `"title"`, `"date"`, `"place"` and such a list as `"turns"` (JSON Lines: one object
  per line, a first line without `"text"` giving the metadata).

A format is recognised from the text, whatever the file is called. Saved web pages (HTML)
are refused with a hint.
"""

import json
import re
from dataclasses import dataclass

from indexer.errors import NotATranscriptError, TranscriptError
from indexer.parsing.labels import parse_label

PLAIN = "plain"
FORMAT_NAMES = {
    "vtt": "WebVTT captions",
    "srt": "SRT captions",
    "otter": "Otter.ai text export",
    "rev": "Rev text export",
    "json": "JSON",
    "jsonl": "JSON Lines",
}
TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
CUE_TIMING_RE = re.compile(rf"^(?P<start>{TIME})\s+-->\s+(?P<end>{TIME})")
SRT_START_RE = re.compile(r"^\s*\d+\s*\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s+-->", re.MULTILINE)
VOICE_RE = re.compile(r"<v(?:\.[\w.-]+)*\s+(?P<name>[^>]+)>(?P<text>.*?)(?:</v>|$)", re.DOTALL)
TAG_RE = re.compile(r"</?[a-z][^>]*>|<\d[\d:.]*>", re.IGNORECASE)
CAPTION_LABEL_RE = re.compile(r"^(?:>>\s*|-\s*)?(?P<name>[^:\n]{1,220}?)\s*:\s+(?P<text>.+)$", re.S)
SOUND_RE = re.compile(r"^[\[(♪][^\])]*[\])♪]$")
DIALOGUE_DASH_RE = re.compile(r"^-\s+")
BRACKET_LABEL_RE = re.compile(r"^[\[(](?P<name>[^\])\n]{1,60})[\])]\s+(?P<text>.+)$", re.S)
OTTER_LINE_RE = re.compile(rf"^(?P<name>\S.{{0,220}}?)\s+(?P<time>{TIME})$")
DEFAULT_SPEAKER_RE = re.compile(r"^(?:Speaker \d+|Unknown Speaker|Unknown)$", re.IGNORECASE)
REV_LINE_RE = re.compile(rf"^(?P<name>\S[^:()]{{0,220}}?)\s*\((?P<time>{TIME})\):\s*(?P<text>.*)$")
REV_COLON_RE = re.compile(rf"^(?P<name>\S[^:()]{{0,220}}?):\s*\((?P<time>{TIME})\)\s*(?P<text>.*)$")
META_RE = re.compile(r"^(?P<key>title|date|place|location)\s*:\s*(?P<value>.+)$", re.IGNORECASE)
HTML_RE = re.compile(r"^\s*(?:<!doctype html|<html\b|<head\b|<\?xml[^>]*>\s*<html)", re.I)


@dataclass(frozen=True)
class Cue:
    """A piece of a transcript: who says it (None: whoever spoke before), what, and when."""

    speaker: str | None
    text: str
    start: float | None = None


@dataclass(frozen=True)
class CueFile:
    """What a non-plain file holds: its cues, and the title, date and place it states."""

    format: str
    cues: list[Cue]
    title: str = ""
    date_text: str = ""  # as the file states it: the parser reads it
    place: str | None = None


def detect_format(text: str) -> str:
    """Return the format of a transcript's text: a key of `FORMAT_NAMES`, or `PLAIN`."""
    head = text.lstrip("\ufeff \t\r\n")[:4000]
    if HTML_RE.match(head):
        return "html"
    if head.startswith("WEBVTT"):
        return "vtt"
    if SRT_START_RE.match(head.replace("\r\n", "\n")):
        return "srt"
    if head[:1] in "[{":
        stripped = text.strip()
        try:
            json.loads(stripped)
            return "json"
        except ValueError:
            lines = [line for line in stripped.splitlines() if line.strip()]
            if lines and all(line.lstrip().startswith("{") for line in lines[:20]):
                return "jsonl"
    lines = [line.strip() for line in head.replace("\r\n", "\n").split("\n")]
    rev = sum(1 for line in lines if REV_LINE_RE.match(line) or REV_COLON_RE.match(line))
    otter = sum(
        1
        for i, line in enumerate(lines[:-1])
        if (m := OTTER_LINE_RE.match(line)) and _otter_speaker(m.group("name")) and lines[i + 1]
    )
    if rev >= 2 and rev >= otter:
        return "rev"
    if otter >= 2:
        return "otter"
    return PLAIN


def read_cues(text: str, fmt: str, where: str) -> CueFile:
    """Read the cues of a non-plain transcript; `where` names the file in errors."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if fmt == "html":
        raise TranscriptError(
            f"{where} is a saved web page (HTML), not a transcript.",
            "Save the page as text (or copy its text into a .txt file) and add that instead.",
        )
    readers = {
        "vtt": _read_vtt,
        "srt": _read_srt,
        "otter": _read_otter,
        "rev": _read_rev,
        "json": _read_json,
        "jsonl": _read_jsonl,
    }
    return readers[fmt](text, where)


def seconds(stamp: str) -> float:
    """`01:02:03.5` → 3723.5; `1:05` → 65.0."""
    parts = stamp.replace(",", ".").split(":")
    total = 0.0
    for part in parts:
        total = total * 60 + float(part)
    return total


def _meta(lines: list[str]) -> tuple[dict[str, str], int]:
    """Read `Title:`/`Date:`/`Place:` lines at the top; return them and where the rest starts."""
    found: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if not line and not found:
            i += 1
            continue
        m = META_RE.match(line)
        if not m:
            break
        key = m.group("key").lower()
        found["place" if key == "location" else key] = m.group("value").strip()
        i += 1
    return found, i


def _file(fmt: str, cues: list[Cue], meta: dict[str, str], where: str) -> CueFile:
    if not cues:
        raise TranscriptError(
            f"{where} looks like {FORMAT_NAMES[fmt]} but holds no text.",
            "Check the file; see README: Formats for what each format looks like.",
        )
    return CueFile(
        fmt, cues, meta.get("title", ""), meta.get("date", ""), meta.get("place") or None
    )


def _blocks(text: str) -> list[list[str]]:
    blocks, current = [], []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _caption_cue(lines: list[str], start: float | None) -> list[Cue]:
    """The cues of one caption's text lines: voice spans, `Name:` starts, or continuations."""
    text = "\n".join(lines)
    voices = list(VOICE_RE.finditer(text))
    if voices:
        return [
            Cue(m.group("name").strip(), _plain(m.group("text")), start)
            for m in voices
            if _plain(m.group("text"))
        ]
    cues: list[Cue] = []
    for line in lines:
        line = _plain(line)
        if not line or SOUND_RE.match(line):
            continue  # "[MUSIC PLAYING]", "(applause)": not speech
        line = DIALOGUE_DASH_RE.sub("", line)  # "- Where were you?": a new, unnamed speaker
        m = CAPTION_LABEL_RE.match(line)
        if not (m and _reads_as_name(m.group("name"))):
            m = BRACKET_LABEL_RE.match(line)
            if m and not _bracketed_speaker(m.group("name")):
                m = None
        if m:
            cues.append(Cue(m.group("name").strip(), m.group("text").strip(), start))
        elif line.startswith(">>"):
            cues.append(Cue(None, line.lstrip("> ").strip(), start))
        elif cues:
            cues[-1] = Cue(cues[-1].speaker, f"{cues[-1].text} {line}", start)
        else:
            cues.append(Cue(None, line, start))
    return cues


SOUNDS = set(
    """music laughter laughs laughing applause inaudible crosstalk silence noise cheering
    cheers sighs coughs indistinct unintelligible foreign speaking""".split()
)


def _bracketed_speaker(name: str) -> bool:
    """`[Mayor] We need homes.` names a speaker; `[Laughter] So…` does not."""
    words = name.split()
    return (
        0 < len(words) <= 4
        and all(w[:1].isupper() for w in words)
        and not any(w.casefold().strip(".,") in SOUNDS for w in words)
    )


def _otter_speaker(name: str) -> bool:
    """`Anna Kim  0:05` names a speaker; "We meet at 10:30" is a sentence."""
    return bool(DEFAULT_SPEAKER_RE.match(name.strip())) or _reads_as_name(name)


def _reads_as_name(name: str) -> bool:
    return parse_label(name.strip()) is not None


def _plain(text: str) -> str:
    text = TAG_RE.sub("", text)
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    text = text.replace("&nbsp;", " ").replace("&#39;", "'").replace("&quot;", '"')
    return " ".join(text.split())


def _read_vtt(text: str, where: str) -> CueFile:
    blocks = _blocks(text)
    meta, _ = _meta(blocks[0][1:]) if blocks else ({}, 0)
    cues = [b for b in blocks[1:] if not b[0].startswith(("NOTE", "STYLE", "REGION"))]
    return _file("vtt", _timed_cues(cues), meta, where)


def _read_srt(text: str, where: str) -> CueFile:
    lines = text.split("\n")
    meta, first = _meta(lines)
    return _file("srt", _timed_cues(_blocks("\n".join(lines[first:]))), meta, where)


def _timed_cues(blocks: list[list[str]]) -> list[Cue]:
    """The cues of caption blocks (an optional id, a `start --> end` line, text lines)."""
    cues: list[Cue] = []
    for block in blocks:
        for i, line in enumerate(block):
            if m := CUE_TIMING_RE.match(line):
                cues.extend(_caption_cue(block[i + 1 :], seconds(m.group("start"))))
                break
    return _dedupe_rolling(cues)


def _dedupe_rolling(cues: list[Cue]) -> list[Cue]:
    """Roll-up captions repeat the previous cue's last line: keep each line once."""
    kept: list[Cue] = []
    for cue in cues:
        if kept and cue.speaker is None and kept[-1].text.endswith(cue.text):
            continue
        kept.append(cue)
    return kept


def _read_otter(text: str, where: str) -> CueFile:
    lines = text.split("\n")
    meta, first = _meta(lines)
    cues: list[Cue] = []
    current: Cue | None = None
    paragraphs: list[str] = []
    for raw in lines[first:]:
        line = raw.strip()
        m = OTTER_LINE_RE.match(line)
        if m and _otter_speaker(m.group("name")):
            if current is not None:
                cues.append(Cue(current.speaker, "\n".join(paragraphs), current.start))
            current, paragraphs = Cue(m.group("name").strip(), "", seconds(m.group("time"))), []
        elif line.lower().startswith("transcribed by"):
            continue  # Otter's footer
        elif line and current is not None:
            paragraphs.append(line)
        elif line and current is None:
            meta.setdefault("title", line)
    if current is not None:
        cues.append(Cue(current.speaker, "\n".join(paragraphs), current.start))
    cues = [c for c in cues if c.text and not c.text.lower().startswith("transcribed by")]
    return _file("otter", cues, meta, where)


def _read_rev(text: str, where: str) -> CueFile:
    lines = text.split("\n")
    meta, first = _meta(lines)
    cues: list[Cue] = []
    for raw in lines[first:]:
        line = raw.strip()
        if not line:
            continue
        m = REV_LINE_RE.match(line) or REV_COLON_RE.match(line)
        if m:
            cues.append(
                Cue(m.group("name").strip(), m.group("text").strip(), seconds(m.group("time")))
            )
        elif cues:
            last = cues[-1]
            joined = f"{last.text}\n{line}" if last.text else line
            cues[-1] = Cue(last.speaker, joined, last.start)
        elif "title" not in meta:
            meta["title"] = line
    return _file("rev", [c for c in cues if c.text], meta, where)


def _read_json(text: str, where: str) -> CueFile:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise TranscriptError(f"{where} is not valid JSON ({exc}).", "Fix the JSON.") from None
    meta: dict = {}
    rows = data
    if isinstance(data, dict):
        meta = {k: str(v) for k, v in data.items() if k in ("title", "date", "place") and v}
        rows = data.get("turns", data.get("segments"))
    return _file("json", _json_cues(rows, where), meta, where)


def _read_jsonl(text: str, where: str) -> CueFile:
    rows: list = []
    meta: dict = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise TranscriptError(
                f"{where}, line {number}: not a JSON object ({exc}).",
                "Write one JSON object per line.",
            ) from None
        if isinstance(row, dict) and "text" not in row and not rows:
            meta = {k: str(v) for k, v in row.items() if k in ("title", "date", "place") and v}
            continue
        rows.append(row)
    return _file("jsonl", _json_cues(rows, where), meta, where)


# Keys that name a row's own document: rows with several values of one are a dataset (one
# document per row, as test collections and corpus dumps are), not one transcript's turns.
DOCUMENT_KEYS = ("doc_id", "docid", "document", "transcript", "transcript_id", "title")


def _json_cues(rows, where: str) -> list[Cue]:
    shape = 'a list of {"speaker": "…", "text": "…", "start": seconds}'
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "text" in r for r in rows[:1]):
        raise NotATranscriptError(
            f"{where} holds JSON, but not a transcript.",
            f'Write {shape}, or an object with "title", "date" and such a list as "turns".',
        )
    for key in DOCUMENT_KEYS:
        if len({str(r.get(key)) for r in rows if isinstance(r, dict) and key in r}) > 1:
            raise NotATranscriptError(
                f"{where} holds a document per row (rows with different {key!r}), not one "
                "transcript.",
                "Split it into one file per transcript; see README: Formats.",
            )
    cues = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise TranscriptError(f"{where}: turn {i} has no text.", f"Write {shape}.")
        speaker = row.get("speaker")
        start = row.get("start")
        if start is not None and not isinstance(start, int | float):
            try:
                start = seconds(str(start))
            except ValueError:
                raise TranscriptError(
                    f"{where}: turn {i} has the start {start!r}, which is not a time.",
                    "Give start in seconds (12.5) or as 00:00:12.5.",
                ) from None
        cues.append(
            Cue(
                str(speaker).strip() if speaker else None,
                row["text"].strip(),
                float(start) if start is not None else None,
            )
        )
    return cues
