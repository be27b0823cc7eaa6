"""`TurnRecord`: a stored turn as the searcher returns it, and its JSON form."""

from dataclasses import dataclass, field

from indexer.ids import make_turn_id


@dataclass(frozen=True)
class TurnRecord:
    """A turn with its transcript's details; `rank`, `score` and the snippet when it is a hit."""

    turn_id: str
    transcript: str
    title: str
    date: str | None
    place: str | None
    seq: int
    speaker: str
    role: str | None
    topics: list[str]
    text: str
    exchange: dict | None = None
    start: float | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    url: str | None = None
    snippet: str = ""
    highlights: list[tuple[int, int]] = field(default_factory=list)
    rank: int | None = None
    score: float | None = None

    def to_json(self) -> dict:
        """Return the JSON object of the contract (`rank`/`score` only for search hits)."""
        # Written out, not `asdict` (which deep-copies every list): exports call it per row.
        exchange = self.exchange
        data: dict = {
            "turn_id": self.turn_id,
            "transcript": self.transcript,
            "title": self.title,
            "date": self.date,
            "place": self.place,
            "seq": self.seq,
            "speaker": self.speaker,
            "role": self.role,
            "topics": list(self.topics),
            "text": self.text,
            "exchange": (
                {"id": exchange["id"], "turn_ids": list(exchange["turn_ids"])} if exchange else None
            ),
            "start": self.start,
            "attributes": dict(self.attributes),
            "url": self.url,
            "citation": citation(self),
            "snippet": self.snippet,
            "highlights": [list(span) for span in self.highlights],
        }
        if self.rank is not None:
            data["rank"] = self.rank
            data["score"] = round(self.score or 0.0, 4)
        return data


def record_from_fields(fields: dict) -> TurnRecord:
    """Build a `TurnRecord` from a Whoosh document's stored fields."""
    when = fields.get("date")
    topics = [t.strip() for t in (fields.get("topics") or "").split(",") if t.strip()]
    return TurnRecord(
        turn_id=fields["turn_id"],
        transcript=fields["transcript"],
        title=fields.get("title", ""),
        date=when.strftime("%Y-%m-%d") if when else None,
        place=fields.get("place") or None,
        seq=fields["seq"],
        speaker=fields["speaker"],
        role=fields.get("role") or None,
        topics=topics,
        text=fields.get("text", ""),
        exchange=_exchange(fields),
        start=fields.get("start"),
        attributes=dict(fields.get("attributes") or ()),
        url=fields.get("url"),
    )


def citation(turn: "TurnRecord") -> str:
    """A ready-to-paste citation: who, in what role, in which transcript, where, when, which
    turn, and the address it was published at."""
    who = f"{turn.speaker} ({turn.role})" if turn.role else turn.speaker
    parts = [who, f"“{turn.title}”" if turn.title else turn.transcript]
    parts += [p for p in (turn.place, turn.date) if p]
    parts.append(f"turn {turn.turn_id}")
    if turn.start is not None:
        parts[-1] += f" at {timestamp(turn.start)}"
    if turn.url:
        parts.append(turn.url)
    return ", ".join(parts) + "."


def timestamp(seconds: float | None) -> str:
    """A turn's start as shown to people: `04:05`, or `1:02:03` past an hour."""
    if seconds is None:
        return ""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def column_text(value) -> str:
    """Return a column value as text (Whoosh gives bytes for some column types)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return value or ""


def _exchange(fields: dict) -> dict | None:
    """The exchange a turn belongs to: its id and the ids of its turns, in order."""
    exchange = fields.get("exchange")
    span = fields.get("exchange_span")
    if not exchange or not span:
        return None
    first, last = span
    turn_ids = [make_turn_id(fields["transcript"], seq) for seq in range(first, last + 1)]
    return {"id": exchange, "turn_ids": turn_ids}
