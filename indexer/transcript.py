"""The data a transcript file yields: a `Transcript` and its speaker `Turn`s."""

from dataclasses import dataclass, field
from datetime import date


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

    def turn_id(self, turn: Turn) -> str:
        return make_turn_id(self.id, turn.seq)


def make_exchange_id(transcript_id: str, number: int) -> str:
    """Return the stable id of a question–answer exchange."""
    return f"{transcript_id}:x{number}"


def make_turn_id(transcript_id: str, seq: int) -> str:
    """Return the stable id of a turn: the transcript id and the turn's 1-based sequence number."""
    return f"{transcript_id}:{seq}"
