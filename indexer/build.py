"""Keep the turn index in step with the corpus folder: `index_corpus()` ↔ `remarks index`.

A sync adds new files, replaces changed ones and removes deleted ones in one Whoosh commit,
which is atomic: a reader sees the index before or after it, never half of it. A file is
unchanged when its size and modification time are as recorded; when they differ, its bytes
are hashed and only a different hash re-indexes it. A rebuild writes a new generation beside
the live one and publishes it when complete. Either way, a file that cannot be read is
reported and skipped, and what the index already held for it stays searchable.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index

from indexer.analysis import recording_stems, save_stem_table, use_stem_table
from indexer.annotate import annotate
from indexer.documents import turn_documents
from indexer.errors import CorpusError, IndexUnreadableError, RemarksError
from indexer.lock import IndexLock
from indexer.reading import ReadResult, SourceFile, load_transcript, read_bytes, scan_corpus
from indexer.retag import retag
from indexer.schema import make_schema
from indexer.sources import SourceRecord, indexed_sources
from indexer.speakers_file import SpeakerBook, load_speakers
from indexer.store import (
    discard,
    discard_unfinished,
    live_generation,
    new_generation,
    open_index,
    publish,
    read_meta,
    write_meta,
)
from indexer.topics import Taxonomy, load_taxonomy
from indexer.whoosh_fixes import apply as apply_whoosh_fixes

apply_whoosh_fixes()

Progress = Callable[[int, int, Path], None]
WRITER_MEMORY_MB = 48
LOCK_WAIT_SECONDS = 30.0


@dataclass(frozen=True)
class Failure:
    """A transcript that could not be indexed, and why."""

    path: str
    error: str


@dataclass(frozen=True)
class Notice:
    """Something worth knowing about how a transcript was indexed."""

    path: str
    warning: str


@dataclass
class IndexReport:
    """What a build or sync did, and what the index holds afterwards."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: list[Failure] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    seconds: float = 0.0
    transcripts: int = 0
    turns: int = 0
    rebuilt: bool = False
    reason: str = ""
    retagged: int | None = None

    def to_json(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "failed": [{"path": f.path, "error": f.error} for f in self.failed],
            "warnings": [{"path": w.path, "warning": w.warning} for w in self.warnings],
            "seconds": round(self.seconds, 3),
            "transcripts": self.transcripts,
            "turns": self.turns,
            "rebuilt": self.rebuilt,
            "retagged": self.retagged,
        }


def index_corpus(
    corpus: Path,
    index_dir: Path,
    rebuild: bool = False,
    on_progress: Progress | None = None,
    wait: float = LOCK_WAIT_SECONDS,
) -> IndexReport:
    """Bring the index in step with the corpus folder; with `rebuild`, build it from scratch.

    An index built by an incompatible version of remarks is rebuilt from scratch.
    """
    started = time.perf_counter()
    files = scan_corpus(corpus)
    if not files:
        raise CorpusError(
            f"The corpus folder {corpus} has no transcripts (.txt files).",
            "Put transcripts in it (see README: Adding transcripts), or pass --corpus PATH.",
        )
    context = _Context(corpus, load_taxonomy(corpus), load_speakers(corpus), on_progress)
    with IndexLock(index_dir, wait), recording_stems() as words:
        context = replace(context, words=words)
        discard_unfinished(index_dir)
        reason = "" if rebuild else _why_rebuild(index_dir, context)
        if rebuild or reason:
            report = _rebuild(context, index_dir, files)
            report.reason = reason or "asked for"
        else:
            report = _sync(context, index_dir, files)
    report.seconds = time.perf_counter() - started
    return report


@dataclass(frozen=True)
class _Context:
    corpus: Path
    taxonomy: Taxonomy
    speakers: SpeakerBook
    on_progress: Progress | None
    words: set[str] = field(default_factory=set)

    def meta(self) -> dict:
        return {
            "taxonomy": self.taxonomy.fingerprint,
            "speakers": self.speakers.fingerprint,
            "topics": self.taxonomy.to_json(),
        }


def _why_rebuild(index_dir: Path, context: _Context) -> str:
    if live_generation(index_dir) is None:
        return "no index yet"
    try:
        opened = open_index(index_dir)
    except IndexUnreadableError as exc:
        return exc.message
    opened.index.close()
    if opened.meta.get("speakers") != context.speakers.fingerprint:
        return f"the speakers file {context.corpus / 'speakers.toml'} changed"
    return ""


def _rebuild(context: _Context, index_dir: Path, files: list[SourceFile]) -> IndexReport:
    report = IndexReport(rebuilt=True)
    gen = new_generation(index_dir)
    try:
        ix = whoosh_index.create_in(str(gen), make_schema())
        writer = ix.writer(limitmb=WRITER_MEMORY_MB)
        try:
            for done, source in enumerate(files, start=1):
                loaded = _load(context.corpus, source, report)
                if loaded is not None:
                    _add(writer, source, loaded, context)
                    report.added += 1
                if context.on_progress:
                    context.on_progress(done, len(files), source.path)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        _count(ix, report, transcripts=report.added)
        created = datetime.now().isoformat(timespec="seconds")
        write_meta(gen, {"created": created, **context.meta()})
        save_stem_table(gen, context.words)
        publish(index_dir, gen)
    except BaseException:
        discard(gen)
        raise
    return report


def _sync(context: _Context, index_dir: Path, files: list[SourceFile]) -> IndexReport:
    report = IndexReport()
    opened = open_index(index_dir)
    use_stem_table(opened.path)  # words seen before need no NLTK import
    ix = whoosh_index.open_dir(str(opened.path))
    opened.index.close()
    if opened.meta.get("taxonomy") != context.taxonomy.fingerprint:
        report.retagged = retag(ix, context.taxonomy, WRITER_MEMORY_MB)
    with ix.reader() as reader:
        indexed = indexed_sources(reader)
    changes: list[tuple[SourceFile, ReadResult, bool]] = []
    for done, source in enumerate(files, start=1):
        known = indexed.get(source.rel)
        if known and (known.size, known.mtime_ns) == (source.size, source.mtime_ns):
            report.unchanged += 1
        else:
            loaded = _load(context.corpus, source, report, known)
            if loaded is None:
                pass
            elif known and loaded.sha256 == known.sha256:
                report.unchanged += 1
            else:
                changes.append((source, loaded, known is not None))
        if context.on_progress:
            context.on_progress(done, len(files), source.path)
    present = {source.rel for source in files}
    gone = [record for rel, record in indexed.items() if rel not in present]
    if changes or gone:
        writer = ix.writer(limitmb=WRITER_MEMORY_MB)
        try:
            for record in gone:
                writer.delete_by_term("transcript", record.transcript)
                report.removed += 1
            for source, loaded, known in changes:
                writer.delete_by_term("transcript", loaded.transcript.id)
                _add(writer, source, loaded, context)
                if known:
                    report.updated += 1
                else:
                    report.added += 1
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
    # The index held `indexed` before; the sync added and removed whole transcripts.
    _count(ix, report, transcripts=len(indexed) + report.added - report.removed)
    ix.close()
    if changes or report.retagged:
        save_stem_table(opened.path, context.words)
    if opened.meta.get("taxonomy") != context.taxonomy.fingerprint:
        write_meta(opened.path, {**read_meta(opened.path), **context.meta()})
    return report


def _load(
    corpus: Path, source: SourceFile, report: IndexReport, known: SourceRecord | None = None
) -> ReadResult | None:
    try:
        loaded = load_transcript(source.path, corpus, read_bytes(source.path))
    except RemarksError as exc:
        kept = " (the indexed version is kept)" if known else ""
        report.failed.append(Failure(source.rel, exc.message + kept))
        return None
    report.warnings.extend(Notice(source.rel, w) for w in loaded.warnings)
    return loaded


def _add(writer, source: SourceFile, loaded: ReadResult, context: _Context) -> None:
    transcript = loaded.transcript
    record = SourceRecord(
        source.rel, transcript.id, source.size, source.mtime_ns, loaded.sha256, transcript.topics
    )
    annotated = annotate(transcript, context.taxonomy, context.speakers)
    for doc in turn_documents(annotated, record):
        writer.add_document(**doc)


def _count(ix, report: IndexReport, transcripts: int) -> None:
    with ix.reader() as reader:
        report.turns = reader.doc_count()
    report.transcripts = transcripts
