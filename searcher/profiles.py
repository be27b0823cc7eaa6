"""A speaker's profile: role history, transcripts, turns per year and distinctive terms (the
page `/s/<name>`), and the query words a transcript page highlights."""

from collections import Counter
from dataclasses import dataclass, field

from indexer.analysis import term_spans
from indexer.errors import UsageError
from searcher.keyness import KeyTerms, key_terms
from searcher.query import Filters
from searcher.search import iter_hits
from searcher.session import TurnIndex

PROFILE_TERMS = 25


@dataclass(frozen=True)
class RoleSpan:
    role: str
    first: str | None
    last: str | None
    turns: int


@dataclass(frozen=True)
class SpeakerProfile:
    name: str
    turns: int
    roles: list[RoleSpan] = field(default_factory=list)
    transcripts: list[dict] = field(default_factory=list)  # transcript, title, date, turns
    per_year: dict[str, int] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    terms: KeyTerms | None = None

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "turns": self.turns,
            "roles": [vars(r) for r in self.roles],
            "transcripts": self.transcripts,
            "per_year": self.per_year,
            "attributes": self.attributes,
            "terms": self.terms.to_json() if self.terms else None,
        }


def speaker_profile(index: TurnIndex, name: str) -> SpeakerProfile:
    """Everything the index knows of one speaker (named exactly, letter case aside)."""
    filters = Filters(speaker=f'"{name}"')
    roles: dict[str, list] = {}
    transcripts: dict[str, dict] = {}
    years: Counter[str] = Counter()
    attributes: dict[str, str] = {}
    turns = 0
    shown = name
    for turn in iter_hits(index, "", filters, sort="date", snippets=False):
        turns += 1
        shown = turn.speaker
        if turn.role:
            span = roles.setdefault(turn.role, [turn.date, turn.date, 0])
            span[0] = min(filter(None, (span[0], turn.date)), default=None)
            span[1] = max(filter(None, (span[1], turn.date)), default=None)
            span[2] += 1
        entry = transcripts.setdefault(
            turn.transcript,
            {"transcript": turn.transcript, "title": turn.title, "date": turn.date, "turns": 0},
        )
        entry["turns"] += 1
        if turn.date:
            years[turn.date[:4]] += 1
        attributes.update(turn.attributes)
    if not turns:
        raise UsageError(f"There is no speaker {name!r} in the index.", "See /api/speakers.")
    history = sorted(
        (RoleSpan(role, a, b, n) for role, (a, b, n) in roles.items()),
        key=lambda r: (r.first or "", r.role),
    )
    listed = sorted(transcripts.values(), key=lambda t: (t["date"] or "", t["transcript"]))
    return SpeakerProfile(
        shown,
        turns,
        history,
        listed,
        dict(sorted(years.items())),
        attributes,
        key_terms(index, "", filters, PROFILE_TERMS),
    )


def query_stems(index: TurnIndex, query: str) -> frozenset[str]:
    """The index terms of the plain words of a query (what a transcript page highlights)."""
    return frozenset(term for _, _, term in term_spans(query or "", index.analyzers.text))


def marks(text: str, stems: frozenset[str], index: TurnIndex) -> list[tuple[int, int]]:
    """[start, end) of each word of `text` whose term is one of `stems`."""
    if not stems:
        return []
    return [(a, b) for a, b, term in term_spans(text, index.analyzers.text) if term in stems]
