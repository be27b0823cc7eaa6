"""Trends: how many turns match a query per year, month or transcript, absolute and per
10,000 words spoken in that period (so a year with more transcripts does not look like a
trend), optionally split by speaker, role or topic.

The words spoken are those of the turns the filters allow (the query aside): with
`--speaker putin`, Putin's matching turns per 10,000 words Putin spoke that year.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from indexer.errors import UsageError
from searcher.hits import column_text
from searcher.query import Filters
from searcher.search import all_matches, prepare_search
from searcher.session import TurnIndex

PERIODS = ("year", "month", "transcript")
SPLITS = ("speaker", "role", "topic")
SPLIT_LIMIT = 8
UNDATED = "undated"
PER_WORDS = 10_000


@dataclass(frozen=True)
class TrendRow:
    """One period (of one split value): matching turns, words spoken, and the rate."""

    period: str
    turns: int
    words: int
    value: str | None = None  # the speaker, role or topic, with a split

    @property
    def per_10k(self) -> float | None:
        return round(self.turns * PER_WORDS / self.words, 3) if self.words else None

    def to_json(self) -> dict:
        data = {"period": self.period, "turns": self.turns, "words": self.words}
        if self.value is not None:
            data["value"] = self.value
        return data | {"per_10k_words": self.per_10k}


@dataclass(frozen=True)
class Trend:
    query: str
    by: str
    total: int  # matching turns, every period
    rows: list[TrendRow]  # every period in order, all values together
    split: str | None = None
    series: dict[str, list[TrendRow]] = field(default_factory=dict)  # per split value
    split_more: int = 0  # split values left out (beyond the biggest `split_limit`)

    @property
    def periods(self) -> list[str]:
        return [row.period for row in self.rows]

    def to_json(self) -> dict:
        data: dict = {
            "query": self.query,
            "by": self.by,
            "total": self.total,
            "periods": [row.to_json() for row in self.rows],
        }
        if self.split:
            data["split"] = self.split
            data["series"] = {
                value: [row.to_json() for row in rows] for value, rows in self.series.items()
            }
            data["split_more"] = self.split_more
        return data


def trend(
    index: TurnIndex,
    query: str,
    filters: Filters | None = None,
    by: str = "year",
    split: str | None = None,
    split_limit: int = SPLIT_LIMIT,
) -> Trend:
    """Count the turns matching `query` and `filters` per period (see the module)."""
    if by not in PERIODS:
        raise UsageError(f"--by {by!r} is not a period.", "Use year, month or transcript.")
    if split is not None and split not in SPLITS:
        raise UsageError(f"--split {split!r} cannot split a trend.", "Use speaker, role or topic.")
    if split_limit < 1:
        raise UsageError(f"--split-limit {split_limit} is out of range.", "Use 1 or more.")
    prepared = prepare_search(index, query, filters)
    searcher = index.searcher
    ordered = all_matches(index, prepared, "relevance", empty_means_all=True)
    matched = {docnum for docnum, _ in ordered}
    reader = searcher.reader()
    columns = _Columns(reader)
    allowed = prepared.allowed
    if allowed is None:
        allowed = {d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)}
    order: dict[str, tuple] = {}
    turns: Counter[str] = Counter()
    words: Counter[str] = Counter()
    split_turns: dict[str, Counter[str]] = defaultdict(Counter)
    split_words: dict[str, Counter[str]] = defaultdict(Counter)
    for docnum in allowed:
        period, key = columns.period(docnum, by)
        order.setdefault(period, key)
        spoken = columns.words[docnum]
        words[period] += spoken
        hit = docnum in matched
        if hit:
            turns[period] += 1
        if split:
            for value in columns.values(docnum, split):
                split_words[value][period] += spoken
                if hit:
                    split_turns[value][period] += 1
    periods = sorted(order, key=lambda p: order[p])
    rows = [TrendRow(p, turns[p], words[p]) for p in periods]
    series: dict[str, list[TrendRow]] = {}
    more = 0
    if split:
        ranked = sorted(split_turns, key=lambda v: (-sum(split_turns[v].values()), v))
        more = max(0, len(ranked) - split_limit)
        for value in ranked[:split_limit]:
            series[value] = [
                TrendRow(p, split_turns[value][p], split_words[value][p], value) for p in periods
            ]
    return Trend(prepared.text, by, len(matched), rows, split, series, more)


class _Columns:
    def __init__(self, reader) -> None:
        self.dates = reader.column_reader("date")
        self.transcripts = reader.column_reader("transcript")
        self.words = reader.column_reader("words")
        self.speakers = reader.column_reader("speaker")
        self.roles = reader.column_reader("role")
        self.topics = reader.column_reader("topic_list")

    def period(self, docnum: int, by: str) -> tuple[str, tuple]:
        """The period's label and its place in time (undated last)."""
        when = self.dates[docnum]
        if by == "transcript":
            name = column_text(self.transcripts[docnum])
            return name, ((when.isoformat() if when else "~"), name)
        if when is None:
            return UNDATED, ("~",)
        label = str(when.year) if by == "year" else f"{when.year}-{when.month:02d}"
        return label, (label,)

    def values(self, docnum: int, split: str) -> list[str]:
        if split == "speaker":
            return [column_text(self.speakers[docnum])]
        if split == "role":
            role = column_text(self.roles[docnum])
            return [role] if role else []
        return [t for t in column_text(self.topics[docnum]).split(",") if t]
