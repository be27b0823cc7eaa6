"""Keep the turn index in step with the corpus folder: `index_corpus()` ↔ `remarks index`.

A sync adds new files, replaces changed ones and removes deleted ones in one Whoosh commit,
which is atomic: a reader sees the index before or after it, never half of it. A file is
unchanged when its size and modification time are as recorded; when they differ, its bytes
are hashed and only a different hash re-indexes it. A rebuild writes a new generation beside
the live one and publishes it when complete. Either way, a file that cannot be read is
reported and skipped, and what the index already held for it stays searchable.
"""

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.query import Term

from indexer import whoosh_ext
from indexer.analysis import recording_stems, stems_of, use_stem_table
from indexer.annotation.sources_file import load_sources
from indexer.annotation.speakers_file import SpeakerBook, load_speakers
from indexer.annotation.topics import Taxonomy, load_taxonomy
from indexer.building.ingest import Annotations, load_source, write_transcript
from indexer.building.parallel import worker_count, write_in_workers
from indexer.building.report import IndexReport
from indexer.building.retag import retag
from indexer.building.shards import index_shards, read_layout, shard_of_file
from indexer.errors import (
    CorpusError,
    DiskFullError,
    IndexDamagedError,
    IndexUnreadableError,
    UsageError,
)
from indexer.parsing.reading import ReadResult, SourceFile, scan_corpus
from indexer.schema import make_schema
from indexer.storage.deletions import DeletedLengths
from indexer.storage.lock import IndexLock
from indexer.storage.sources import indexed_sources
from indexer.storage.store import (
    OpenIndex,
    discard,
    is_disk_full,
    live_generation,
    new_generation,
    open_index,
    publish,
    record_commit,
    seal_commit,
    tidy,
    write_meta,
)
from indexer.whoosh_ext.writer import cancel_writer, commit_segments, segment_writer

Progress = Callable[[int, int, Path], None]
# A writer's postings pool before it spills to disk. 32, not 48: a million synthetic turns,
# two workers, peak 628 -> 597 MB (target 600) for 7% more build CPU (README: Speed).
WRITER_MEMORY_MB = 32
LOCK_WAIT_SECONDS = 30.0
# A sync that leaves more than this share of the index's turns deleted (replaced or removed
# transcripts, still in their segments) merges every segment into one.
MAX_DELETED_SHARE = 0.2


def index_corpus(
    corpus: Path,
    index_dir: Path,
    rebuild: bool = False,
    on_progress: Progress | None = None,
    wait: float = LOCK_WAIT_SECONDS,
    workers: int | None = None,
    optimize: bool = False,
    stop_words: frozenset[str] | None = None,
    shard: tuple[int, int] | None = None,
) -> IndexReport:
    """Bring the index in step with the corpus folder; with `rebuild`, build it from scratch.

    An index built by an incompatible version of remarks, or damaged, is rebuilt from
    scratch. A build uses `workers` processes (default: one per core for a large corpus,
    else one); they are started fresh ("spawn"), so a script that calls this must guard its
    entry point with `if __name__ == "__main__":`, as any multiprocessing code. `optimize`
    merges the index into one segment (a sync does so by itself when many turns were
    replaced or removed). `stop_words` replaces the default stop list when the index is
    built from scratch (for experiments; the index keeps the list it was built with).
    `shard=(i, n)` indexes only the transcripts of shard i of n (`shard_of`): one shard of a
    sharded index (indexer/building/shards.py), which may hold no transcript at all.
    """
    whoosh_ext.apply()
    if shard is None and read_layout(index_dir) is not None:  # a sharded index: sync it
        return index_shards(corpus, index_dir, rebuild=rebuild, on_progress=on_progress)
    started = time.perf_counter()
    if workers is not None and workers < 1:
        raise UsageError(f"--workers {workers} is out of range.", "Use 1 or more processes.")
    if wait < 0:
        raise UsageError(f"--wait {wait:g} is out of range.", "Use 0 or more seconds.")
    files = scan_corpus(corpus)
    if shard is not None and files:
        files = [f for f in files if shard_of_file(f.rel, shard[1]) == shard[0]]
    elif not files:
        raise CorpusError(
            f"The corpus folder {corpus} has no transcripts "
            "(.txt, .vtt, .srt, .json or .jsonl files).",
            "Put transcripts in it (see README: Adding transcripts), or pass --corpus PATH.",
        )
    annotations = Annotations(load_taxonomy(corpus), load_speakers(corpus), load_sources(corpus))
    context = _Context(corpus, annotations, on_progress, stop_words)
    with IndexLock(index_dir, wait), recording_stems() as words:
        context = replace(context, words=words)
        try:
            tidy(index_dir)
            reason, opened = ("", None) if rebuild else _why_rebuild(index_dir, context)
            if rebuild or reason:
                if opened is not None:
                    opened.reader.close()
                report = _rebuild(context, index_dir, files, worker_count(files, workers))
                report.reason = reason or "asked for"
            else:
                assert opened is not None
                report = _sync(context, opened, files, optimize)
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            with contextlib.suppress(OSError):
                tidy(index_dir)  # deleting needs no space: leave the disk as it was
            raise DiskFullError(
                f"The disk holding {index_dir} is full ({exc.strerror or exc}); the index "
                "was not updated, and the last good index is unchanged and searchable.",
                "Free some space on that disk and run `remarks index` again.",
            ) from None
    report.seconds = time.perf_counter() - started
    return report


@dataclass(frozen=True)
class _Context:
    corpus: Path
    annotations: Annotations
    on_progress: Progress | None
    stop_words: frozenset[str] | None = None
    words: set[str] = field(default_factory=set)

    @property
    def taxonomy(self) -> Taxonomy:
        return self.annotations.taxonomy

    @property
    def speakers(self) -> SpeakerBook:
        return self.annotations.speakers

    def settings(self) -> dict:
        return {
            "taxonomy": self.taxonomy.fingerprint,
            "speakers": self.speakers.fingerprint,
            "sources": self.annotations.sources.fingerprint,
            "topics": self.taxonomy.to_json(),
        }


@dataclass
class _Recorder:
    """Writes each commit's record and stem table beside it (see indexer/storage/store.py)."""

    gen: Path
    settings: dict
    stems: Callable[[], dict[str, str]]
    deleted: DeletedLengths = field(default_factory=DeletedLengths)

    def before_toc(self, generation: int, segments: list) -> None:
        settings = {**self.settings, "deleted_lengths": self.deleted.for_segments(segments)}
        record_commit(self.gen, generation, segments, settings, self.stems())

    def after_toc(self, generation: int) -> None:
        with contextlib.suppress(OSError):  # the commit has landed; the seal is a bonus
            seal_commit(self.gen, generation)


def _why_rebuild(index_dir: Path, context: _Context) -> tuple[str, OpenIndex | None]:
    try:
        if live_generation(index_dir) is None:
            return "no index yet", None
        opened = open_index(index_dir, verify="full")
    except IndexDamagedError as exc:
        return f"the index was damaged: file {exc.file}: {exc.problem}", None
    except IndexUnreadableError as exc:
        return exc.message, None
    if opened.meta.get("speakers") != context.speakers.fingerprint:
        files = context.speakers.files or ("speakers.toml",)
        return (
            f"the speakers file {' and '.join(str(context.corpus / f) for f in files)} changed",
            opened,
        )
    if opened.meta.get("sources", "none") != context.annotations.sources.fingerprint:
        return f"the sources file {context.corpus / 'sources.csv'} changed", opened
    return "", opened


def _rebuild(
    context: _Context, index_dir: Path, files: list[SourceFile], workers: int
) -> IndexReport:
    report = IndexReport(rebuilt=True, workers=workers)
    gen = new_generation(index_dir)
    try:
        created = datetime.now().isoformat(timespec="seconds")
        write_meta(gen, {"created": created})
        ix = whoosh_index.create_in(str(gen), make_schema(context.stop_words))
        if workers > 1:
            _write_in_workers(context, ix, gen, files, report)
        else:
            recorder = _Recorder(gen, context.settings(), lambda: stems_of(context.words))
            _write_here(context, ix, files, report, recorder)
        _count(ix, report, transcripts=report.added)
        publish(index_dir, gen)
    except BaseException:
        discard(gen)
        raise
    return report


def _write_here(
    context: _Context, ix, files: list[SourceFile], report: IndexReport, recorder: _Recorder
) -> None:
    writer = segment_writer(ix, WRITER_MEMORY_MB, recorder=recorder)
    try:
        for done, source in enumerate(files, start=1):
            loaded = load_source(context.corpus, source, report)
            if loaded is not None:
                write_transcript(writer, source, loaded, context.annotations)
                report.added += 1
            if context.on_progress:
                context.on_progress(done, len(files), source.path)
        writer.commit()
    except BaseException:
        cancel_writer(writer)
        raise


def _write_in_workers(
    context: _Context, ix, gen: Path, files: list[SourceFile], report: IndexReport
) -> None:
    done = 0

    def on_file(source: SourceFile) -> None:
        nonlocal done
        done += 1
        if context.on_progress:
            context.on_progress(done, len(files), source.path)

    results = write_in_workers(
        gen,
        context.corpus,
        files,
        context.annotations,
        report.workers,
        WRITER_MEMORY_MB,
        on_file,
    )
    stems: dict[str, str] = {}
    for result in results:
        report.added += result.report.added
        report.failed.extend(result.report.failed)
        report.warnings.extend(result.report.warnings)
        report.formats.update(result.report.formats)
        stems.update(result.stems)
    segments = [segment for result in results for segment in result.segments]
    commit_segments(ix, segments, _Recorder(gen, context.settings(), lambda: stems))


def _sync(
    context: _Context, opened: OpenIndex, files: list[SourceFile], optimize: bool
) -> IndexReport:
    report = IndexReport()
    use_stem_table(opened.stem_table)  # words seen before need no NLTK import
    with opened.reader as reader:
        indexed = indexed_sources(reader)
    table = json.loads(opened.stem_table.read_text(encoding="utf-8"))

    def stems() -> dict[str, str]:
        return {**table, **stems_of(context.words)}

    deleted = DeletedLengths(opened.meta.get("deleted_lengths"))
    recorder = _Recorder(opened.path, context.settings(), stems, deleted)
    ix = whoosh_index.open_dir(str(opened.path))
    try:
        if opened.meta.get("taxonomy") != context.taxonomy.fingerprint:
            report.retagged = retag(ix, context.taxonomy, WRITER_MEMORY_MB, recorder)
        _sync_files(context, ix, indexed, files, report, recorder, optimize)
        _count(ix, report, transcripts=len(indexed) + report.added - report.removed)
    finally:
        ix.close()
    return report


def _sync_files(context, ix, indexed, files, report: IndexReport, recorder, optimize) -> None:
    changes: list[tuple[SourceFile, ReadResult, bool]] = []
    for done, source in enumerate(files, start=1):
        known = indexed.get(source.rel)
        if known and (known.size, known.mtime_ns) == (source.size, source.mtime_ns):
            report.unchanged += 1
        else:
            loaded = load_source(context.corpus, source, report, known)
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
    if changes or gone or optimize:
        writer = segment_writer(ix, WRITER_MEMORY_MB, recorder=recorder)
        writer.deleted_lengths = recorder.deleted.by_segment
        try:
            for record in gone:
                _delete_transcript(writer, record.transcript, recorder.deleted)
                report.removed += 1
            for source, loaded, known in changes:
                before = _delete_transcript(writer, loaded.transcript.id, recorder.deleted)
                written = write_transcript(writer, source, loaded, context.annotations)
                report.new_turns += [
                    turn_id for turn_id, text in written if _text_key(text) not in before
                ]
                if known:
                    report.updated += 1
                else:
                    report.added += 1
            report.optimized = optimize or _deleted_share(writer) > MAX_DELETED_SHARE
            writer.commit(optimize=report.optimized)
        except BaseException:
            cancel_writer(writer)
            raise


def _delete_transcript(writer, transcript: str, deleted: DeletedLengths) -> set[str]:
    """Delete a transcript's turns; return their texts (normalised), to tell new turns from
    old ones when it is written again."""
    searcher = writer.searcher()
    texts = set()
    for docnum in searcher.docs_for_query(Term("transcript", transcript)):
        deleted.note(searcher.reader(), docnum)
        texts.add(_text_key(searcher.stored_fields(docnum).get("text", "")))
    writer.delete_by_term("transcript", transcript)
    return texts


def _text_key(text: str) -> str:
    return " ".join(text.split())


def _deleted_share(writer) -> float:
    """The share of the index's turns that are deleted, once this writer's deletions land."""
    total = sum(s.doc_count_all() for s in writer.segments) + writer.docnum
    deleted = sum(s.deleted_count() for s in writer.segments)
    return deleted / total if total else 0.0


def _count(ix, report: IndexReport, transcripts: int) -> None:
    with ix.reader() as reader:
        report.turns = reader.doc_count()
        report.segments = len(reader.leaf_readers())
    report.transcripts = transcripts
