"""The data a transcript file yields: a `Transcript` and its speaker `Turn`s."""

from dataclasses import dataclass, field
from datetime import date

from indexer.ids import make_turn_id


@dataclass(frozen=True)
class Turn:
    """One speaker's uninterrupted contribution: a label and the paragraphs that follow it."""

    seq: int
    speaker: str
    role: str | None
    label: str
    paragraphs: tuple[str, ...]
    line: int = 0
    anonymous: bool = False
    exchange: int = 0
    topics: tuple[str, ...] = ()
    start: float | None = None  # seconds from the recording's start (caption formats)
    # The speaker's attributes from the corpus's speaker table (party, gender, …), in order.
    attributes: tuple[tuple[str, str], ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass(frozen=True)
class Transcript:
    """A transcript's header (title, date, place), its lead paragraphs and its turns."""

    id: str
    title: str
    date: date | None
    place: str | None
    lead: tuple[str, ...]
    turns: tuple[Turn, ...]
    topics: tuple[str, ...] = field(default=())
    url: str | None = None  # where it was published (a `Source:` line, or sources.csv)

    def turn_id(self, turn: Turn) -> str:
        return make_turn_id(self.id, turn.seq)
