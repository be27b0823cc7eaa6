"""The word counts of deleted turns, so that ranking counts live turns only.

Whoosh keeps a deleted turn in its segment until the segment is merged, and its statistics
(the total length of each field, so the average length BM25 divides by) still count it: after
a sync replaced a transcript, the same files ranked differently from a clean build. A sync
notes the exact field lengths of the turns it deletes, per segment (computed from their stored
fields, as the writer computed them), and the commit record carries the totals; the searcher
subtracts them (searcher/ranking.py). A segment merged away takes its deletions with it.
"""

from collections import defaultdict

from indexer.storage.documents import indexed_values


class DeletedLengths:
    """Per segment id, per field: the summed lengths of the turns deleted from it."""

    def __init__(self, known: dict | None = None) -> None:
        self.by_segment: dict[str, dict[str, int]] = defaultdict(dict)
        for segid, lengths in (known or {}).items():
            self.by_segment[segid] = dict(lengths)

    def note(self, reader, docnum: int) -> None:
        """Count a turn about to be deleted (`docnum` in `reader`, a reader of every segment)."""
        for leaf, base in reader.leaf_readers():
            if base <= docnum < base + leaf.doc_count_all():
                if leaf.is_deleted(docnum - base):
                    return
                segid = leaf.segment().segment_id()
                lengths = self.by_segment[segid]
                for name, length in field_lengths(reader.schema, reader.stored_fields(docnum)):
                    lengths[name] = lengths.get(name, 0) + length
                return

    def for_segments(self, segments) -> dict[str, dict[str, int]]:
        """The counts of the segments a commit keeps."""
        ids = {s.segment_id() for s in segments}
        return {segid: lengths for segid, lengths in self.by_segment.items() if segid in ids}


def field_lengths(schema, stored: dict):
    """Yield (field, length in words) for the scorable fields of a turn, from its stored
    fields: what the writer counted when it indexed the turn."""
    for name, value in indexed_values(stored).items():
        field = schema[name] if name in schema.names() else None
        if field is None or not field.scorable or value is None:
            continue
        yield name, sum(freq for _, freq, _, _ in field.index(value))
