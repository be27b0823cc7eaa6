"""Re-tag topics from the stored turns when `topics.toml` changes: no file is read again."""

from collections import defaultdict
from datetime import date

from indexer.annotation.annotate import tag_topics
from indexer.annotation.topics import Taxonomy
from indexer.parsing.transcript import Transcript, Turn
from indexer.storage.documents import turn_documents
from indexer.storage.sources import SourceRecord
from indexer.whoosh_ext.writer import segment_writer


def retag(ix, taxonomy: Taxonomy, memory_mb: int, recorder=None) -> int:
    """Recompute every turn's topics with `taxonomy`; return how many turns changed."""
    with ix.reader() as reader:
        sources = reader.column_reader("source")
        groups: dict[str, list[tuple[int, dict, bytes]]] = defaultdict(list)
        for docnum, fields in reader.iter_docs():
            groups[fields["transcript"]].append((docnum, fields, sources[docnum]))
    changed = 0
    writer = segment_writer(ix, memory_mb, recorder=recorder)
    deleted = getattr(recorder, "deleted", None)
    if deleted is not None:
        writer.deleted_lengths = deleted.by_segment
    try:
        for docs in groups.values():
            docs.sort(key=lambda d: d[1]["seq"])
            source = next((SourceRecord.from_bytes(raw) for _, _, raw in docs if raw), None)
            transcript = _transcript(docs, source)
            retagged = tag_topics(transcript, taxonomy)
            if [t.topics for t in retagged.turns] == [t.topics for t in transcript.turns]:
                continue
            for docnum, _, _ in docs:
                if deleted is not None:
                    deleted.note(writer.searcher().reader(), docnum)
                writer.delete_document(docnum)
            for doc in turn_documents(retagged, source):
                writer.add_document(**doc)
            changed += sum(
                a.topics != b.topics for a, b in zip(retagged.turns, transcript.turns, strict=True)
            )
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    return changed


def _transcript(docs: list[tuple[int, dict, bytes]], source: SourceRecord | None) -> Transcript:
    first = docs[0][1]
    when = first.get("date")
    turns = []
    for _, fields, _ in docs:
        exchange = fields.get("exchange", "")
        number = int(exchange.rsplit(":x", 1)[1]) if ":x" in exchange else 0
        topics = tuple(t for t in (fields.get("topics") or "").split(",") if t)
        turns.append(
            Turn(
                seq=fields["seq"],
                speaker=fields["speaker"],
                role=fields.get("role") or None,
                label="",
                paragraphs=tuple(fields.get("text", "").split("\n")),
                exchange=number,
                topics=topics,
                start=fields.get("start"),
                attributes=tuple(tuple(pair) for pair in fields.get("attributes") or ()),
            )
        )
    return Transcript(
        id=first["transcript"],
        title=first.get("title", ""),
        date=date(when.year, when.month, when.day) if when else None,
        place=first.get("place") or None,
        lead=(),
        turns=tuple(turns),
        topics=source.topics if source else (),
        url=first.get("url"),
    )
