"""Find transcript files in a corpus folder and read them as text."""

import os
from pathlib import Path

from indexer.errors import CorpusError, TranscriptError
from indexer.parser import parse_transcript
from indexer.transcript import Transcript

TRANSCRIPT_SUFFIXES = (".txt",)
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")


def find_transcripts(corpus: Path) -> list[Path]:
    """Return the transcript files under `corpus` (nested folders included), sorted."""
    if not corpus.exists():
        raise CorpusError(
            f"The corpus folder {corpus} does not exist.",
            "Create it and put transcripts (.txt) in it, or pass --corpus PATH.",
        )
    if not corpus.is_dir():
        raise CorpusError(f"The corpus path {corpus} is not a folder.", "Pass --corpus FOLDER.")
    found = []
    for root, dirs, files in os.walk(corpus, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if name.endswith(TRANSCRIPT_SUFFIXES) and not name.startswith("."):
                found.append(Path(root) / name)
    return sorted(found)


def transcript_id(path: Path, corpus: Path) -> str:
    """Return the stable id of a transcript: its path in the corpus, without the suffix."""
    return path.relative_to(corpus).with_suffix("").as_posix()


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode transcript bytes; return the text and the encoding used."""
    if b"\x00" in data[:4096]:
        raise TranscriptError(
            f"{path} is not a text file (it contains binary data).",
            "Remove it from the corpus, or convert it to plain UTF-8 text.",
        )
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise TranscriptError(f"{path} cannot be decoded.", "Save it as UTF-8 text.")


def read_bytes(path: Path) -> bytes:
    """Return the bytes of a transcript file, or raise `TranscriptError` naming it."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TranscriptError(
            f"Cannot read {path}: {exc.strerror or exc}.", "Check the file."
        ) from exc


def read_transcript(path: Path, corpus: Path, data: bytes | None = None) -> Transcript:
    """Read and parse one transcript file (or its bytes, when already read)."""
    if data is None:
        data = read_bytes(path)
    text, _ = decode(data, path)
    if not text.strip():
        raise TranscriptError(f"{path} is empty.", "Remove it or put a transcript in it.")
    return parse_transcript(text, transcript_id(path, corpus), path.name)
