"""Parse a transcript's text into a `Transcript`: header, lead paragraphs and speaker turns.

Pure: text in, dataclasses out. The layout it reads is the one kremlin.ru pages and debate
transcripts share: a title line, a `Month D, YYYY, Place` line, unlabelled lead paragraphs,
then paragraphs that start with a speaker label (`Name: text`) followed by unlabelled
continuation paragraphs of the same speaker. Page chrome copied with the text, `* * *`
separators and a title repeated after them are skipped.
"""

import difflib
import re
from dataclasses import dataclass, replace
from datetime import date, datetime

from indexer.parsing.formats import CueFile
from indexer.parsing.labels import (
    Label,
    is_initial,
    match_label,
    name_key,
    parse_label,
    tidy_name,
)
from indexer.parsing.roles import introduced_role, turn_role
from indexer.parsing.transcript import Transcript, Turn

MONTHS = (
    "January February March April May June July August September October November December"
).split()
_MONTH = "|".join(MONTHS)
DATE_LINE_RES = (
    re.compile(
        rf"^(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})(?:[,\s]+(?P<place>.*))?$"
    ),
    re.compile(
        rf"^(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH})\s+(?P<year>\d{{4}})(?:[,\s]+(?P<place>.*))?$"
    ),
    re.compile(r"^(?P<iso>\d{4}-\d{2}-\d{2})(?:[,\s]+(?P<place>.*))?$"),
)
FILENAME_DATE_RE = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")
SEPARATOR_RE = re.compile(r"^(\*\s*){3,}$|^[-–—_=]{3,}$")
END_MARKER_RE = re.compile(r"^\(?(to be continued|end of transcript|the end)\.?\)?$", re.IGNORECASE)
SOURCE_RE = re.compile(
    r"^(?:(?:source|url|link|original|address)\s*[:：]\s*)?(?P<url>https?://\S+)$", re.IGNORECASE
)
TOPICS_RE = re.compile(r"^(?:topics?|tags?|subjects?)\s*[:：]\s*(?P<topics>.+)$", re.IGNORECASE)
CHROME_RE = re.compile(
    r"^(view settings|font size:?|site colours:?|site colors:?|official website of .*|"
    r"print version|share|text version|images|video|audio)$",
    re.IGNORECASE,
)
HEADER_SCAN_LINES = 15
CYRILLIC_RE = re.compile(r"[\u0400-\u04FF]")
LATIN_RE = re.compile(r"[A-Za-z]")
TITLE_LIKENESS = 0.85
MAX_TITLE_CHARS = 400
UNATTRIBUTED = "Unattributed"


@dataclass
class _RawTurn:
    label: Label
    paragraphs: list[str]
    line: int
    start: float | None = None


def parse_transcript(text: str, transcript_id: str, filename: str = "") -> Transcript:
    """Parse transcript text; `filename` supplies a date when the text has none."""
    lines = _lines(text)
    title, when, place, body_start = _read_header(lines, filename, _mostly_cyrillic(text))
    lead: list[str] = []
    topics: list[str] = []
    url = None
    raw: list[_RawTurn] = []
    skip_title_repeat = False
    for lineno, para in _paragraphs(lines, body_start):
        if SEPARATOR_RE.match(para):
            skip_title_repeat = True
            continue
        if skip_title_repeat and _same_title(para, title):
            skip_title_repeat = False
            continue
        skip_title_repeat = False
        if END_MARKER_RE.match(para) or _repeats_date_line(para, when):
            continue
        if not raw and url is None and (m := SOURCE_RE.match(para)):
            url = m.group("url")
            continue
        if not raw and (m := TOPICS_RE.match(para)):
            topics.extend(t.strip() for t in m.group("topics").split(",") if t.strip())
            continue
        label, rest = _label_of(para)
        if label is not None:
            raw.append(_RawTurn(label, [rest] if rest else [], lineno))
        elif raw:
            raw[-1].paragraphs.append(para)
        else:
            lead.append(para)
    raw = _accept_short_labels(raw)
    raw = _prefer_printed_names(raw)
    turns = _canonical_turns(raw)
    turns = _add_introduced_roles(turns)
    if not turns and lead:
        # A speech or statement with no speaker labels: one turn, attributed to nobody.
        turns = [Turn(1, UNATTRIBUTED, None, "", tuple(lead), 0)]
        lead = []
    return Transcript(
        id=transcript_id,
        title=title,
        date=when,
        place=place,
        lead=tuple(lead),
        turns=tuple(turns),
        topics=tuple(dict.fromkeys(topics)),
        url=url,
    )


CAPTIONS = ("vtt", "srt")


def transcript_from_cues(cues: CueFile, transcript_id: str, filename: str = "") -> Transcript:
    """Make a transcript of a caption, meeting-export or JSON file's cues: consecutive cues of
    one speaker are one turn (caption lines joined into one paragraph, other cues kept as
    paragraphs), starting when its first cue starts. Title and date come from the file, else
    from its name (`2021-03-03_council-meeting.vtt`)."""
    raw: list[_RawTurn] = []
    for number, cue in enumerate(cues.cues, start=1):
        text = cue.text.strip()
        if not text:
            continue
        if cue.speaker is None or (raw and name_key(cue.speaker) == name_key(raw[-1].label.text)):
            if raw:
                if cues.format in CAPTIONS:
                    raw[-1].paragraphs[-1] = f"{raw[-1].paragraphs[-1]} {text}"
                else:
                    raw[-1].paragraphs.extend(p for p in text.split("\n") if p.strip())
                continue
            label = Label("", UNATTRIBUTED, None, anonymous=True)
        else:
            label = parse_label(cue.speaker) or Label(cue.speaker, tidy_name(cue.speaker), None)
        paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
        raw.append(_RawTurn(label, paragraphs, number, cue.start))
    raw = _prefer_printed_names(raw)
    turns = _add_introduced_roles(_canonical_turns(raw))
    when = None
    if cues.date_text:
        parsed = _date_line(cues.date_text.strip())
        when = parsed[0] if parsed else None
    stem = filename.split(".", 1)[0]
    title = cues.title or _title_from_filename(stem)
    return Transcript(
        id=transcript_id,
        title=title,
        date=when or _filename_date(filename),
        place=cues.place,
        lead=(),
        turns=tuple(turns),
    )


def _title_from_filename(stem: str) -> str:
    """`2021-03-03_city-council_meeting` → "City council meeting"."""
    words = FILENAME_DATE_RE.sub(" ", stem).replace("_", " ").replace("-", " ").split()
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _lines(text: str) -> list[str]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [line.replace("\u00a0", " ").strip() for line in text.split("\n")]


def _mostly_cyrillic(text: str) -> bool:
    sample = text[:20_000]
    return len(CYRILLIC_RE.findall(sample)) > len(LATIN_RE.findall(sample))


def _is_chrome(line: str, cyrillic_text: bool = False) -> bool:
    if CHROME_RE.match(line):
        return True
    if cyrillic_text:
        return False
    # In an English page, a line with Cyrillic but no Latin letters is its Russian breadcrumb.
    return CYRILLIC_RE.search(line) is not None and LATIN_RE.search(line) is None


def _read_header(
    lines: list[str], filename: str, cyrillic_text: bool = False
) -> tuple[str, date | None, str | None, int]:
    content = [
        (i, line) for i, line in enumerate(lines) if line and not _is_chrome(line, cyrillic_text)
    ]
    for pos, (i, line) in enumerate(content[:HEADER_SCAN_LINES]):
        parsed = _date_line(line)
        if parsed is None:
            continue
        when, place = parsed
        if pos > 0:
            return content[pos - 1][1], when, place, i + 1
        return "", when, place, i + 1
    if not content:
        return "", _filename_date(filename), None, len(lines)
    i, title = content[0]
    if _is_label_line(title) and not _reads_as_title(title, content):
        # A transcript without a title, its first line a turn ("PUTIN: Good afternoon.").
        return "", _filename_date(filename), None, i
    return title, _filename_date(filename), None, i + 1


LABEL_SCAN = 200  # lines looked at for a second speaker label
TITLE_RE = re.compile(r"^[^.!?…]{3,150}$")


def _is_label_line(line: str) -> bool:
    label = match_label(line)
    return bool(label and parse_label(label[0]))


def _reads_as_title(first: str, content: list[tuple[int, str]]) -> bool:
    """Whether a first line shaped like a label is a title ("Information Science: Toward
    the Development of a True Scientific Discipline"): words in title case after the colon,
    no sentence ending, more text after it and no other speaker label in the file."""
    label = match_label(first)
    if not label or len(content) < 2 or not TITLE_RE.match(first):
        return False
    words = [w for w in label[1].split() if len(w) > 3]
    if len(label[1].split()) < 3 or not words:
        return False
    if sum(w[0].isupper() for w in words) * 2 < len(words) * 1 or label[1].isupper():
        return False
    return not any(_is_label_line(line) for _, line in content[1:LABEL_SCAN])


def _date_line(line: str) -> tuple[date, str | None] | None:
    for pattern in DATE_LINE_RES:
        m = pattern.match(line)
        if not m:
            continue
        try:
            if m.groupdict().get("iso"):
                when = date.fromisoformat(m.group("iso"))
            else:
                month = MONTHS.index(m.group("month")) + 1
                when = date(int(m.group("year")), month, int(m.group("day")))
        except ValueError:
            return None
        place = (m.group("place") or "").strip(" ,") or None
        return when, place
    return None


def _repeats_date_line(para: str, when: date | None) -> bool:
    # Pages repeat their date line as a footer ("February 16, 2024, Chelyabinsk").
    if when is None or len(para) > 120:
        return False
    parsed = _date_line(para)
    return parsed is not None and parsed[0] == when


def _filename_date(filename: str) -> date | None:
    m = FILENAME_DATE_RE.search(filename)
    if not m:
        return None
    try:
        return datetime.strptime(m.group(1), "%Y-%m-%d").date()
    except ValueError:
        return None


def _paragraphs(lines: list[str], start: int):
    for i in range(start, len(lines)):
        if lines[i]:
            yield i + 1, lines[i]


def _same_title(para: str, title: str) -> bool:
    if not title:
        return False
    a, b = para.casefold(), title.casefold()
    if a == b:
        return True
    # The ratio is at most 2·min/(sum of lengths): skip the (quadratic) comparison when the
    # lengths alone rule it out, and compare long texts only for equality.
    if 2 * min(len(a), len(b)) < TITLE_LIKENESS * (len(a) + len(b)) or len(b) > MAX_TITLE_CHARS:
        return False
    return difflib.SequenceMatcher(None, a, b).ratio() >= TITLE_LIKENESS


def _label_of(para: str) -> tuple[Label | None, str]:
    matched = match_label(para)
    if matched is None:
        return None, ""
    text, rest = matched
    if rest[:1] in '“«"„' and ("," in text or " " not in text):
        # `Germany: “…”` and `Lipetsk, Yevgeny Zaitsev: “…”` quote a text; they are not turns.
        return None, ""
    return parse_label(text), rest


def _accept_short_labels(raw: list[_RawTurn]) -> list[_RawTurn]:
    """Fold one-word labels that name nobody else in the transcript back into the turn before.

    `Alina:` is a caller when Alina speaks elsewhere or the label recurs; `Moscow: the capital…`
    in a single paragraph is prose.
    """
    counts: dict[str, int] = {}
    words: set[str] = set()
    for r in raw:
        key = name_key(r.label.name)
        counts[key] = counts.get(key, 0) + 1
        if " " in key:
            words.update(key.split())
    kept: list[_RawTurn] = []
    for r in raw:
        key = name_key(r.label.name)
        single = " " not in key and not r.label.anonymous and r.label.role is None
        if single and counts[key] < 2 and key not in words and kept:
            prose = f"{r.label.text}: {r.paragraphs[0]}" if r.paragraphs else f"{r.label.text}:"
            kept[-1].paragraphs.extend([prose, *r.paragraphs[1:]])
            continue
        kept.append(r)
    return kept


def _prefer_printed_names(raw: list[_RawTurn]) -> list[_RawTurn]:
    """Split `Role Name` labels at a name that the transcript also prints on its own.

    `President of Turkey Recep Tayyip Erdogan` followed later by `Recep Tayyip Erdogan:` gives
    the three-word name rather than the two-word guess.
    """
    printed = {
        name_key(r.label.name): r.label.name
        for r in raw
        if r.label.role is None and not r.label.anonymous and len(r.label.name.split()) >= 2
    }
    if not printed:
        return raw
    for r in raw:
        label = r.label
        if label.anonymous or label.role is None:
            continue
        base = name_key(label.text.split("(")[0])
        for key, name in printed.items():
            if len(key) > len(name_key(label.name)) and base.endswith(" " + key):
                role = label.text.split("(")[0][: -len(name)].strip(" ,") or None
                if role and base[: -len(key)].strip() == name_key(role):
                    r.label = Label(label.text, name, role, label.anonymous)
                break
    return raw


def _canonical_turns(raw: list[_RawTurn]) -> list[Turn]:
    """Give each speaker one name and one role across the transcript.

    `President of Russia Vladimir Putin` and `Vladimir Putin` are one speaker; `N. Yakovlev`
    is the `Nikolai Yakovlev` named elsewhere in the transcript; `PATRUSHEV` in capitals is
    `Patrushev`. A speaker's role is the first role any of their labels carries.
    """
    full_names: dict[str, str] = {}
    for r in raw:
        if r.label.anonymous:
            continue
        tokens = r.label.name.split()
        if len(tokens) >= 2 and not is_initial(tokens[0]):
            full_names.setdefault(name_key(r.label.name), r.label.name)
    shown: dict[str, str] = {}
    for r in raw:
        shown.setdefault(name_key(r.label.name), r.label.name)
    resolved = {key: _resolve(key, full_names) or name for key, name in shown.items()}
    roles: dict[str, str] = {}
    for r in raw:
        if r.label.role and not r.label.anonymous:
            roles.setdefault(resolved[name_key(r.label.name)], r.label.role)
    turns = []
    for seq, r in enumerate(raw, start=1):
        paragraphs = r.paragraphs or [""]
        if r.label.anonymous:
            speaker, role = r.label.name, r.label.role
        else:
            speaker = resolved[name_key(r.label.name)]
            role = r.label.role or roles.get(speaker)
        turns.append(
            Turn(
                seq,
                speaker,
                role,
                r.label.text,
                tuple(paragraphs),
                r.line,
                r.label.anonymous,
                start=r.start,
            )
        )
    return turns


def _add_introduced_roles(turns: list[Turn]) -> list[Turn]:
    """Give speakers whose labels carry no role the role they introduce themselves with, and
    an anonymous turn ("Question: My name is …, I am a student") the role stated in it."""
    unroled = {t.speaker for t in turns if not t.anonymous} - {t.speaker for t in turns if t.role}
    found = {name: introduced_role(turns, name) for name in unroled}
    tagged = []
    for t in turns:
        role = (t.role or turn_role(t)) if t.anonymous else (found.get(t.speaker) or t.role)
        tagged.append(replace(t, role=role) if role != t.role else t)
    return tagged


def _resolve(key: str, full_names: dict[str, str]) -> str | None:
    if key in full_names:
        return full_names[key]
    tokens = key.split()
    surname = tokens[-1]
    initials = [t[0] for t in tokens[:-1]]
    candidates = [
        name
        for k, name in full_names.items()
        if k.split()[-1] == surname
        and all(i < len(k.split()) - 1 and k.split()[i][0] == c for i, c in enumerate(initials))
    ]
    if len(candidates) == 1:
        return candidates[0]
    return None
