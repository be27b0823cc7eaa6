"""The Whoosh writer of remarks: postings pooled by term, written a term and a block at a time.

`segment_writer()` gives a Whoosh SegmentWriter whose pool is a `TermPool` (`pool`),
that adds a document's postings a field at a time, and that writes its segment's postings
from the pool's per-term arrays. The segments it writes are those Whoosh's own writer writes
(tests/test_pool.py compares postings, blocks and statistics).
"""

import contextlib
import os
from array import array
from typing import Protocol

from whoosh.fields import FieldType
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from indexer.whoosh_ext.fixes import length_bytes
from indexer.whoosh_ext.pool import TermPool


class CommitRecorder(Protocol):
    """Writes what a commit holds beside it: before its table of contents, and after."""

    def before_toc(self, generation: int, segments: list) -> None: ...

    def after_toc(self, generation: int) -> None: ...


class TurnWriter(SegmentWriter):
    """Whoosh's segment writer, adding a document's postings a field at a time.

    `add_document` is Whoosh's, less what this schema never uses (document and field boosts,
    separate spelling words, term vectors), with one pool call per field instead of one per
    posting. With a `recorder`, each commit's record is written around its table of contents.
    """

    recorder: CommitRecorder | None = None
    # Per segment id, per field: lengths of its deleted turns (indexer/storage/deletions.py).
    deleted_lengths: dict[str, dict[str, int]] | None = None

    def add_reader(self, reader):
        """Merge a segment in (Whoosh's), keeping its fields' total lengths exact.

        Whoosh adds up the merged turns' lengths from their one-byte approximations, so
        after a merge the average lengths BM25 divides by drifted from a clean build's. The
        segment's recorded totals are exact; less its deleted turns', they are the merged
        turns' exact totals.
        """
        totals = self.perdocwriter._fieldlengths
        before = dict(totals)
        super().add_reader(reader)
        segment = getattr(reader, "segment", None)
        if segment is None or not callable(segment):
            return
        deleted = (self.deleted_lengths or {}).get(segment().segment_id(), {})
        for name in reader.schema.scorable_names():
            exact = reader.field_length(name) - deleted.get(name, 0)
            totals[name] = before.get(name, 0) + exact

    def _commit_toc(self, segments):
        if self.recorder is not None:
            self.recorder.before_toc(self.generation, segments)
        super()._commit_toc(segments)
        if self.recorder is not None:
            self.recorder.after_toc(self.generation)

    def add_document(self, **fields):
        self._check_state()
        perdocwriter, schema, docnum = self.perdocwriter, self.schema, self.docnum
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        perdocwriter.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                if field.separate_spelling() or field.vector:
                    raise ValueError(f"field {name!r}: spelling words and vectors unsupported")
                length = 0
                if field.indexed and type(field).index is FieldType.index:
                    # Text, ID and keyword fields: what FieldType.index() yields, encoded here.
                    words = field.format.word_values(value, field.analyzer, mode="index")
                    length = self.pool.add_field(name, docnum, words, field.scorable, False)
                elif field.indexed:
                    length = self.pool.add_field(name, docnum, field.index(value), field.scorable)
                perdocwriter.add_field(name, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdocwriter.add_column_value(name, column, field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        if not isinstance(self.pool, TermPool):
            return super()._flush_segment()
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        write_terms(self.fieldwriter, self.schema, lengths, self.pool.iter_terms())
        self.fieldwriter.close()
        if lengths is not None:
            lengths.close()


def write_terms(fieldwriter, schema, perdoc, terms) -> None:
    """Write a segment's postings a term at a time, a block of postings at a time.

    What Whoosh's FieldWriter.add_postings() and W3PostingsWriter.add_posting() do posting by
    posting, with the same blocks, statistics and bytes (tested).
    """
    current = None
    lengths = None
    for fieldname, btext, docnums, weights, values in terms:
        if fieldname != current:
            if current is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            current = fieldname
            lengths = length_bytes(perdoc, fieldname) if perdoc is not None else None
        fieldwriter.start_term(btext)
        _add_block_postings(fieldwriter._postwriter, docnums, weights, values, lengths)
        fieldwriter.finish_term()
    if current is not None:
        fieldwriter.finish_field()


def _add_block_postings(writer, docnums, weights, values, lengths) -> None:
    limit, count, i = writer._blocklimit, len(docnums), 0
    while i < count:
        if len(writer._ids) >= limit:
            writer._write_block()
        j = min(count, i + limit - len(writer._ids))
        ids, block_weights = docnums[i:j], weights[i:j]
        writer._ids.extend(ids)
        writer._weights.extend(array("f", block_weights))
        writer._maxweight = max(writer._maxweight, max(block_weights))
        writer._values.extend(v for v in values[i:j] if v)
        if lengths is not None:
            known = [n for n in map(byte_to_length, (lengths[d] for d in ids)) if n]
            if known:
                low = min(known)
                if writer._minlength is None or low < writer._minlength:
                    writer._minlength = low
                writer._maxlength = max(writer._maxlength, max(known))
        i = j


def segment_writer(ix, limitmb: int, lock: bool = True, recorder: CommitRecorder | None = None):
    """A Whoosh writer of a new segment of `ix` that pools postings by term.

    With `lock=False` (a worker whose parent holds the lock) it takes no lock, and keeps its
    temporary files apart: every Whoosh writer of an index shares one temporary folder and
    deletes it when done, which would pull the files from under the other workers.
    """
    writer = TurnWriter(ix, _lk=lock, limitmb=limitmb)
    writer.recorder = recorder
    if not lock:
        writer._tempstorage = ix.storage.temp_storage(f"{ix.indexname}.{os.getpid()}.tmp")
    writer.pool = TermPool(writer._tempstorage, writer.newsegment, limitmb=limitmb)
    return writer


def finish_segment(writer):
    """Close a worker's segment and return it, for the parent to commit."""
    segment = writer._finalize_segment()
    writer._finish()  # removes the writer's temporary files; it holds no lock
    return segment


def commit_segments(ix, segments: list, recorder=None) -> None:
    """Publish segments written by workers as the whole content of the (new) index `ix`."""
    writer = segment_writer(ix, 1, recorder=recorder)
    try:
        writer._close_segment()
        writer._commit_toc(segments)
    finally:
        writer._finish()


def cancel_writer(writer) -> None:
    """Cancel a writer, releasing its lock even when closing its files fails."""
    # On a full disk closing the writer's files can fail too; what it wrote is tidied later,
    # but its lock must go now (a library caller, such as a server, goes on running).
    try:
        writer.cancel()
    except OSError:
        with contextlib.suppress(OSError, AttributeError):
            writer._tempstorage.destroy()
        if writer.writelock is not None:
            with contextlib.suppress(OSError):
                writer.writelock.release()
        writer.is_closed = True
