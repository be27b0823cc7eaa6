"""What the index records about each transcript file it holds, read back from the index."""

import json
from dataclasses import asdict, dataclass
from itertools import compress, count


@dataclass(frozen=True)
class SourceRecord:
    """The file a transcript was indexed from, as it was when indexed."""

    rel: str
    transcript: str
    size: int
    mtime_ns: int
    sha256: str
    topics: tuple[str, ...] = ()

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> "SourceRecord | None":
        try:
            fields = json.loads(data.decode("utf-8"))
            fields["topics"] = tuple(fields.get("topics", ()))
            return cls(**fields)
        except (ValueError, TypeError):
            return None


def indexed_sources(reader) -> dict[str, SourceRecord]:
    """Return the source record of every transcript in the index, by corpus-relative path.

    The record sits on each transcript's first turn; the column's length array says which
    turns have one, so only those are read (one pass in C over the lengths, not a posting
    list per transcript).
    """
    records: dict[str, SourceRecord] = {}
    for leaf, _ in reader.leaf_readers():
        if not leaf.has_column("source"):
            continue
        column = leaf.column_reader("source")
        lengths = getattr(column, "_lengths", None)
        docnums = range(leaf.doc_count_all()) if lengths is None else compress(count(), lengths)
        for docnum in docnums:
            if leaf.is_deleted(docnum):
                continue
            value = column[docnum]
            record = SourceRecord.from_bytes(value) if value else None
            if record is not None:
                records[record.rel] = record
    return records
