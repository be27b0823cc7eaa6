"""The Whoosh documents of a transcript: one per turn."""

from datetime import datetime

from indexer.analysis import count_words
from indexer.ids import make_exchange_id
from indexer.parsing.transcript import Transcript
from indexer.schema import ATTR_SEPARATOR, attribute_token
from indexer.storage.sources import SourceRecord


def turn_documents(transcript: Transcript, source: SourceRecord | None = None) -> list[dict]:
    """Return the Whoosh documents of a transcript's (annotated) turns."""
    docs: list[dict] = []
    spans: dict[int, list[int]] = {}
    for turn in transcript.turns:
        spans.setdefault(turn.exchange, []).append(turn.seq)
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
            "exact": turn.text,
            "words": count_words(turn.text),
        }
        if turn.topics:
            topics = ",".join(turn.topics)
            doc["topics"] = topics
            doc["topic_list"] = topics.encode("utf-8")
        if turn.exchange:
            members = spans[turn.exchange]
            doc["exchange"] = make_exchange_id(transcript.id, turn.exchange)
            doc["exchange_span"] = (min(members), max(members))
        if turn.role:
            doc["role"] = turn.role
        if transcript.url:
            doc["url"] = transcript.url
        if turn.start is not None:
            doc["start"] = turn.start
        if turn.attributes:
            doc["attributes"] = [list(pair) for pair in turn.attributes]
            doc["attr"] = ",".join(attribute_token(k, v) for k, v in turn.attributes)
            doc["attr_list"] = ATTR_SEPARATOR.join(f"{k}={v}" for k, v in turn.attributes).encode()
        if transcript.date:
            doc["date"] = datetime(transcript.date.year, transcript.date.month, transcript.date.day)
        if source is not None and not docs:
            doc["source"] = source.to_bytes()
        docs.append(doc)
    return docs


def indexed_values(stored: dict) -> dict:
    """Return the values a turn's indexed fields were given, from its stored fields."""
    return {
        "title": stored.get("title"),
        "speaker_name": stored.get("speaker"),
        "role": stored.get("role"),
        "topics": stored.get("topics"),
        "text": stored.get("text"),
        "exact": stored.get("text"),
    }
