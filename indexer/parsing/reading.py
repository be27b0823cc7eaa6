"""Find transcript files in a corpus folder and read them as text, whatever state they are in."""

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import CorpusError, TranscriptError
from indexer.parsing.formats import PLAIN, detect_format, read_cues
from indexer.parsing.parser import (
    CYRILLIC_RE,
    UNATTRIBUTED,
    parse_transcript,
    transcript_from_cues,
)
from indexer.parsing.transcript import Transcript

TRANSCRIPT_SUFFIXES = (".txt", ".vtt", ".srt", ".json", ".jsonl")
MAX_FILE_BYTES = 20_000_000
ENCODING_NAMES = {"cp1251": "Windows-1251", "cp1252": "Windows-1252", "latin-1": "Latin-1"}


@dataclass(frozen=True)
class SourceFile:
    """A transcript file found in the corpus: where it is, and its size and change time."""

    rel: str
    path: Path
    size: int
    mtime_ns: int
    # Why the file is not read, if it is not: a failure, or (`skip_warns`) a warning only.
    skip: str = ""
    skip_warns: bool = False


@dataclass(frozen=True)
class ReadResult:
    """A parsed transcript, the hash of its bytes, and warnings about how it was read."""

    transcript: Transcript
    sha256: str
    warnings: tuple[str, ...]
    format: str = PLAIN  # how the file was read: "plain" or a key of `FORMAT_NAMES`


def find_transcripts(corpus: Path) -> list[Path]:
    """Return the transcript files under `corpus` (nested folders included), sorted."""
    return [s.path for s in scan_corpus(corpus)]


def scan_corpus(corpus: Path) -> list[SourceFile]:
    """Return the transcript files under `corpus`, following folder links but not loops."""
    if not corpus.exists():
        raise CorpusError(
            f"The corpus folder {corpus} does not exist.",
            "Create it and put transcripts (.txt, .vtt, .srt, .json) in it, or pass --corpus PATH.",
        )
    if not corpus.is_dir():
        raise CorpusError(f"The corpus path {corpus} is not a folder.", "Pass --corpus FOLDER.")
    found: list[SourceFile] = []
    seen_dirs: set[tuple[int, int]] = set()
    for root, dirs, files in os.walk(corpus, followlinks=True):
        try:
            st = os.stat(root)
        except OSError:
            dirs[:] = []
            continue
        if (st.st_dev, st.st_ino) in seen_dirs:
            dirs[:] = []  # a folder link back to a folder already walked: a loop
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if not name.endswith(TRANSCRIPT_SUFFIXES) or name.startswith("."):
                continue
            found.append(_source_file(corpus, Path(root) / name))
    return _without_twins(sorted(found, key=lambda s: s.rel))


def _without_twins(found: list[SourceFile]) -> list[SourceFile]:
    """`debate.txt` and `debate.vtt` would be one transcript (ids drop the suffix): the first
    in name order is read, the other reported."""
    first: dict[str, str] = {}
    kept = []
    for source in found:
        key = source.rel.rsplit(".", 1)[0]
        if key in first and not source.skip:
            source = SourceFile(
                source.rel,
                source.path,
                source.size,
                source.mtime_ns,
                f"{source.rel} and {first[key]} would be the same transcript; rename one of "
                "them and run `remarks index` again.",
            )
        first.setdefault(key, source.rel)
        kept.append(source)
    return kept


def _source_file(corpus: Path, path: Path) -> SourceFile:
    rel = path.relative_to(corpus).as_posix()
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        # Bytes that are not UTF-8 in the name: a transcript id must be text.
        shown = os.fsencode(str(path)).decode("utf-8", "backslashreplace")
        return SourceFile(
            os.fsencode(rel).decode("utf-8", "backslashreplace"),
            path,
            -1,
            -1,
            f"The file name of {shown} is not valid UTF-8; rename it (letters, digits, - and _ "
            "are safe) and run `remarks index` again.",
        )
    try:
        fst = path.stat()
    except OSError:
        # A broken or looping link, or a file gone since listing: reading reports it.
        return SourceFile(rel, path, -1, -1)
    if not stat.S_ISREG(fst.st_mode):
        kind = "a named pipe" if stat.S_ISFIFO(fst.st_mode) else "not a regular file"
        if stat.S_ISCHR(fst.st_mode) or stat.S_ISBLK(fst.st_mode):
            kind = "a device"
        skip = f"skipped: it is {kind}, not a transcript file"
        return SourceFile(rel, path, -1, -1, skip, skip_warns=True)
    return SourceFile(rel, path, fst.st_size, fst.st_mtime_ns)


def transcript_id(path: Path, corpus: Path) -> str:
    """Return the stable id of a transcript: its path in the corpus, without the suffix."""
    return path.relative_to(corpus).with_suffix("").as_posix()


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode transcript bytes; return the text and the encoding used.

    UTF-8 (with or without a byte-order mark) and UTF-16 with a mark are read as such; other
    bytes as Windows-1251 when that yields Russian text, else Windows-1252, else Latin-1.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:8192]:
        raise TranscriptError(
            f"{path} is not a text file (it contains binary data).",
            "Remove it from the corpus, or convert it to plain UTF-8 text.",
        )
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1251")
        if len(CYRILLIC_RE.findall(text)) > len(text) // 10:
            return text, "cp1251"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def read_bytes(path: Path) -> bytes:
    """Return the bytes of a transcript file, or raise `TranscriptError` naming it.

    Only a regular file is read (a named pipe would block, a device never end), and never
    more than `MAX_FILE_BYTES`, whatever its size said.
    """

    def too_big(size: int) -> TranscriptError:
        return TranscriptError(
            f"{path} is {size / 1e6:.1f} MB; remarks reads transcripts of up to "
            f"{MAX_FILE_BYTES / 1e6:.0f} MB.",
            "Split it into several transcript files.",
        )

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            fst = os.fstat(fd)
            if not stat.S_ISREG(fst.st_mode):
                raise TranscriptError(
                    f"{path} is not a regular file (a pipe or a device).",
                    "Remove it from the corpus folder, or replace it with a text file.",
                )
            if fst.st_size > MAX_FILE_BYTES:
                raise too_big(fst.st_size)
            data = f.read(MAX_FILE_BYTES + 1)  # the file may have grown since
        if len(data) > MAX_FILE_BYTES:
            raise too_big(len(data))
        return data
    except FileNotFoundError:
        raise TranscriptError(
            f"{path} disappeared before it could be read.", "Run `remarks index` again."
        ) from None
    except OSError as exc:
        raise TranscriptError(
            f"Cannot read {path}: {exc.strerror or exc}.", "Check the file or link."
        ) from exc


def read_transcript(path: Path, corpus: Path, data: bytes | None = None) -> Transcript:
    """Read and parse one transcript file (or its bytes, when already read)."""
    return load_transcript(path, corpus, data).transcript


def load_transcript(path: Path, corpus: Path, data: bytes | None = None) -> ReadResult:
    """Read, decode and parse one transcript file, with the hash of its bytes."""
    if data is None:
        data = read_bytes(path)
    text, encoding = decode(data, path)
    if not text.strip():
        raise TranscriptError(f"{path} is empty.", "Remove it or put a transcript in it.")
    fmt = detect_format(text)
    if fmt == PLAIN:
        transcript = parse_transcript(text, transcript_id(path, corpus), path.name)
    else:
        cues = read_cues(text, fmt, str(path))
        transcript = transcript_from_cues(cues, transcript_id(path, corpus), path.name)
    if not any(turn.text.strip() for turn in transcript.turns):
        what = "speaker labels" if transcript.turns else "a title"
        raise TranscriptError(
            f"{path} has {what} but no text.", "Add the transcript's text below its header."
        )
    warnings = []
    if encoding not in ("utf-8", "utf-16"):
        warnings.append(f"not valid UTF-8; read as {ENCODING_NAMES[encoding]}")
    if transcript.turns[0].speaker == UNATTRIBUTED and len(transcript.turns) == 1:
        warnings.append("no speaker labels found; indexed as one unattributed turn")
    return ReadResult(transcript, hashlib.sha256(data).hexdigest(), tuple(warnings), fmt)
