"""What the index records about each transcript file it holds, read back from the index."""

import json
from dataclasses import asdict, dataclass


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
    """Return the source record of every transcript in the index, by corpus-relative path."""
    if not reader.has_column("source"):
        return {}
    column = reader.column_reader("source")
    records: dict[str, SourceRecord] = {}
    for term in reader.field_terms("transcript"):
        for docnum in reader.postings("transcript", term).all_ids():
            if reader.is_deleted(docnum):
                continue
            value = column[docnum]
            if value:
                record = SourceRecord.from_bytes(value)
                if record is not None:
                    records[record.rel] = record
                break
    return records
