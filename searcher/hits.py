"""`TurnRecord`: a stored turn as the searcher returns it, and its JSON form."""

from dataclasses import asdict, dataclass, field


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
    snippet: str = ""
    highlights: list[tuple[int, int]] = field(default_factory=list)
    rank: int | None = None
    score: float | None = None

    def to_json(self) -> dict:
        """Return the JSON object of the contract (`rank`/`score` only for search hits)."""
        data = asdict(self)
        data["highlights"] = [list(span) for span in self.highlights]
        if self.rank is None:
            del data["rank"], data["score"]
        else:
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
    )
