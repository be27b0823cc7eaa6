"""Build the turn index from a corpus folder: `index_corpus()` ↔ `remarks index`."""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index

from indexer.errors import CorpusError, RemarksError
from indexer.reading import find_transcripts, read_bytes, read_transcript
from indexer.schema import make_schema
from indexer.store import discard, new_generation, publish, write_meta
from indexer.transcript import Transcript

Progress = Callable[[int, int, Path], None]
WRITER_MEMORY_MB = 256


@dataclass(frozen=True)
class Failure:
    """A transcript that could not be indexed, and why."""

    path: str
    error: str


@dataclass
class IndexReport:
    """What a build did."""

    transcripts: int = 0
    turns: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: list[Failure] = field(default_factory=list)
    seconds: float = 0.0


def turn_documents(transcript: Transcript) -> list[dict]:
    """Return the Whoosh documents of a transcript's turns."""
    docs = []
    for turn in transcript.turns:
        doc = {
            "turn_id": transcript.turn_id(turn),
            "transcript": transcript.id,
            "title": transcript.title,
            "place": transcript.place or "",
            "seq": turn.seq,
            "speaker": turn.speaker,
            "speaker_name": turn.speaker,
            "text": turn.text,
        }
        if transcript.topics:
            doc["topics"] = ",".join(transcript.topics)
        if turn.role:
            doc["role"] = turn.role
        if transcript.date:
            doc["date"] = datetime(transcript.date.year, transcript.date.month, transcript.date.day)
        docs.append(doc)
    return docs


def index_corpus(corpus: Path, index_dir: Path, on_progress: Progress | None = None) -> IndexReport:
    """Index every transcript in `corpus` into a new generation and publish it.

    A file that cannot be read or parsed is reported and skipped; the others are indexed. The
    live index is replaced only when the new one is complete.
    """
    started = time.perf_counter()
    paths = find_transcripts(corpus)
    if not paths:
        raise CorpusError(
            f"The corpus folder {corpus} has no transcripts (.txt files).",
            "Put transcripts in it (see README: Adding transcripts), or pass --corpus PATH.",
        )
    report = IndexReport()
    files: dict[str, dict] = {}
    gen = new_generation(index_dir)
    try:
        ix = whoosh_index.create_in(str(gen), make_schema())
        writer = ix.writer(limitmb=WRITER_MEMORY_MB)
        try:
            for done, path in enumerate(paths, start=1):
                rel = path.relative_to(corpus).as_posix()
                try:
                    data = read_bytes(path)
                    transcript = read_transcript(path, corpus, data)
                except RemarksError as exc:
                    report.failed.append(Failure(rel, exc.message))
                else:
                    for doc in turn_documents(transcript):
                        writer.add_document(**doc)
                    report.transcripts += 1
                    report.turns += len(transcript.turns)
                    files[rel] = {"id": transcript.id, "sha256": hashlib.sha256(data).hexdigest()}
                if on_progress:
                    on_progress(done, len(paths), path)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        report.added = report.transcripts
        report.seconds = time.perf_counter() - started
        write_meta(
            gen,
            {
                "built": datetime.now().isoformat(timespec="seconds"),
                "transcripts": report.transcripts,
                "turns": report.turns,
                "files": files,
            },
        )
        publish(index_dir, gen)
    except BaseException:
        discard(gen)
        raise
    return report
