"""Orders of the matching turns other than the ranked top page: every match ranked, sorted by
date, or collapsed to one entry per transcript (Elasticsearch's collapse with inner hits).

Ties are always broken by corpus order (transcript id, then turn number), so the same search
gives the same rows whatever the index's segments.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from indexer.errors import UsageError
from searcher.hits import TurnRecord, column_text

SORTS = ("relevance", "date", "-date")
GROUPS = ("transcript",)
LATEST = datetime.max


def check_order(sort: str, group: str | None) -> None:
    if sort not in SORTS:
        raise UsageError(
            f"--sort {sort!r} is not a sort order.",
            "Use relevance (best first), date (oldest first) or -date (newest first).",
        )
    if group is not None and group not in GROUPS:
        raise UsageError(
            f"--group {group!r} cannot group results.",
            "Use --group transcript (one entry per transcript, its best turns inside).",
        )


class CorpusOrder:
    """Each turn's place in the corpus (transcript id, turn number) and its date, read from
    the index's columns once per search."""

    def __init__(self, searcher) -> None:
        reader = searcher.reader()
        self.transcripts = reader.column_reader("transcript")
        self.seqs = reader.column_reader("seq")
        self.dates = reader.column_reader("date")

    def transcript(self, docnum: int) -> str:
        return column_text(self.transcripts[docnum])

    def place(self, docnum: int) -> tuple[str, int]:
        return (self.transcript(docnum), self.seqs[docnum])

    def date(self, docnum: int) -> datetime | None:
        return self.dates[docnum]


def by_relevance(scores: Iterable[tuple[int, float]], order: CorpusOrder):
    """Best first; equal scores in corpus order."""
    return sorted(scores, key=lambda pair: (-pair[1], order.place(pair[0])))


def by_date(pairs: Iterable[tuple[int, float]], order: CorpusOrder, newest_first: bool):
    """Oldest (or newest) first; a day's turns in corpus order; undated turns last."""
    dated: list[tuple[int, float]] = []
    undated: list[tuple[int, float]] = []
    for pair in pairs:
        (dated if order.date(pair[0]) is not None else undated).append(pair)
    dated.sort(key=lambda pair: order.place(pair[0]))
    dated.sort(key=lambda pair: order.date(pair[0]) or LATEST, reverse=newest_first)
    undated.sort(key=lambda pair: order.place(pair[0]))
    return dated + undated


@dataclass(frozen=True)
class TurnGroup:
    """One transcript's matching turns: its best few (`hits`), and how many more match."""

    transcript: str
    title: str
    date: str | None
    place: str | None
    total: int
    hits: list[TurnRecord] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.total - len(self.hits)

    def to_json(self) -> dict:
        return {
            "transcript": self.transcript,
            "title": self.title,
            "date": self.date,
            "place": self.place,
            "total": self.total,
            "more": self.more,
            "hits": [h.to_json() for h in self.hits],
        }


def group_by_transcript(
    pairs: list[tuple[int, float]], order: CorpusOrder
) -> list[list[tuple[int, float]]]:
    """The matches of each transcript, in the order of each transcript's first match."""
    groups: dict[str, list[tuple[int, float]]] = {}
    for pair in pairs:
        groups.setdefault(order.transcript(pair[0]), []).append(pair)
    return list(groups.values())
