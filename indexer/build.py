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

from indexer.analysis import recording_stems, save_stem_table, stems_of, use_stem_table
from indexer.errors import CorpusError, IndexUnreadableError, UsageError
from indexer.ingest import Annotations, load_source, write_transcript
from indexer.lock import IndexLock
from indexer.parallel import commit_segments, worker_count, write_in_workers
from indexer.reading import ReadResult, SourceFile, scan_corpus
from indexer.report import IndexReport
from indexer.retag import retag
from indexer.schema import make_schema
from indexer.sources import indexed_sources
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
from indexer.writer import segment_writer

apply_whoosh_fixes()

Progress = Callable[[int, int, Path], None]
WRITER_MEMORY_MB = 48
LOCK_WAIT_SECONDS = 30.0


def index_corpus(
    corpus: Path,
    index_dir: Path,
    rebuild: bool = False,
    on_progress: Progress | None = None,
    wait: float = LOCK_WAIT_SECONDS,
    workers: int | None = None,
) -> IndexReport:
    """Bring the index in step with the corpus folder; with `rebuild`, build it from scratch.

    An index built by an incompatible version of remarks is rebuilt from scratch. A build
    uses `workers` processes (default: one per core for a large corpus, else one); they are
    started fresh ("spawn"), so a script that calls this must guard its entry point with
    `if __name__ == "__main__":`, as any multiprocessing code.
    """
    started = time.perf_counter()
    if workers is not None and workers < 1:
        raise UsageError(f"--workers {workers} is out of range.", "Use 1 or more processes.")
    if wait < 0:
        raise UsageError(f"--wait {wait:g} is out of range.", "Use 0 or more seconds.")
    files = scan_corpus(corpus)
    if not files:
        raise CorpusError(
            f"The corpus folder {corpus} has no transcripts (.txt files).",
            "Put transcripts in it (see README: Adding transcripts), or pass --corpus PATH.",
        )
    annotations = Annotations(load_taxonomy(corpus), load_speakers(corpus))
    context = _Context(corpus, annotations, on_progress)
    with IndexLock(index_dir, wait), recording_stems() as words:
        context = replace(context, words=words)
        discard_unfinished(index_dir)
        reason = "" if rebuild else _why_rebuild(index_dir, context)
        if rebuild or reason:
            report = _rebuild(context, index_dir, files, worker_count(files, workers))
            report.reason = reason or "asked for"
        else:
            report = _sync(context, index_dir, files)
    report.seconds = time.perf_counter() - started
    return report


@dataclass(frozen=True)
class _Context:
    corpus: Path
    annotations: Annotations
    on_progress: Progress | None
    words: set[str] = field(default_factory=set)

    @property
    def taxonomy(self) -> Taxonomy:
        return self.annotations.taxonomy

    @property
    def speakers(self) -> SpeakerBook:
        return self.annotations.speakers

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


def _rebuild(
    context: _Context, index_dir: Path, files: list[SourceFile], workers: int
) -> IndexReport:
    report = IndexReport(rebuilt=True, workers=workers)
    gen = new_generation(index_dir)
    try:
        ix = whoosh_index.create_in(str(gen), make_schema())
        if workers > 1:
            stems = _write_in_workers(context, ix, gen, files, report)
        else:
            _write_here(context, ix, files, report)
            stems = stems_of(context.words)
        _count(ix, report, transcripts=report.added)
        created = datetime.now().isoformat(timespec="seconds")
        write_meta(gen, {"created": created, **context.meta()})
        save_stem_table(gen, stems)
        publish(index_dir, gen)
    except BaseException:
        discard(gen)
        raise
    return report


def _write_here(context: _Context, ix, files: list[SourceFile], report: IndexReport) -> None:
    writer = segment_writer(ix, WRITER_MEMORY_MB)
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
        writer.cancel()
        raise


def _write_in_workers(
    context: _Context, ix, gen: Path, files: list[SourceFile], report: IndexReport
) -> dict[str, str]:
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
        stems.update(result.stems)
    commit_segments(ix, [segment for result in results for segment in result.segments])
    return stems


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
    if changes or gone:
        writer = segment_writer(ix, WRITER_MEMORY_MB)
        try:
            for record in gone:
                writer.delete_by_term("transcript", record.transcript)
                report.removed += 1
            for source, loaded, known in changes:
                writer.delete_by_term("transcript", loaded.transcript.id)
                write_transcript(writer, source, loaded, context.annotations)
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
        save_stem_table(opened.path, stems_of(context.words))
    if opened.meta.get("taxonomy") != context.taxonomy.fingerprint:
        write_meta(opened.path, {**read_meta(opened.path), **context.meta()})
    return report


def _count(ix, report: IndexReport, transcripts: int) -> None:
    with ix.reader() as reader:
        report.turns = reader.doc_count()
    report.transcripts = transcripts
