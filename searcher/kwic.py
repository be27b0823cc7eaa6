"""Keyword in context: every occurrence of a word or phrase in the turns' text, one line each
with the words before and after it, as concordancers (Sketch Engine, polmineR's `kwic`) show.

A word matches as search matches it: by its stem ("pension" finds "pensions", "pensioners"
does not). A phrase matches its words in a row (stop words between them aside, as in search).
The turns searched are those `text:"…"` finds with the filters, so the number of turns with
a line equals that search's total.
"""

import re
from dataclasses import dataclass, field

from indexer.analysis import TOKEN_RE, term_spans
from indexer.errors import UsageError
from searcher.ordering import CorpusOrder, by_date
from searcher.query import Filters
from searcher.search import all_matches, prepare_search
from searcher.session import TurnIndex

SORTS = ("date", "left", "right", "speaker")
WIDTH = 6
MAX_LINES = 100_000


@dataclass(frozen=True)
class KwicLine:
    left: str
    match: str
    right: str
    speaker: str
    date: str | None
    turn_id: str

    def to_json(self) -> dict:
        return dict(vars(self))


@dataclass(frozen=True)
class Concordance:
    query: str
    turns: int  # turns with at least one line
    lines: list[KwicLine] = field(default_factory=list)
    total: int = 0  # lines before the limit

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "turns": self.turns,
            "total": self.total,
            "lines": [line.to_json() for line in self.lines],
        }


def concordance(
    index: TurnIndex,
    query: str,
    filters: Filters | None = None,
    width: int = WIDTH,
    sort: str = "date",
    limit: int = MAX_LINES,
) -> Concordance:
    """Every occurrence of `query` (a word or a phrase) in the turns the filters allow."""
    if sort not in SORTS:
        raise UsageError(
            f"--sort {sort!r} cannot order lines.", "Use date, left, right or speaker."
        )
    if width < 1 or width > 50:
        raise UsageError(f"--width {width} is out of range.", "Use 1 to 50 words.")
    if limit < 1:
        raise UsageError(f"--limit {limit} is out of range.", "Use 1 or more lines.")
    words = query.strip().strip('"').strip()
    if not words or re.search(r'["*?~:^\[\]{}()]|\b(?:AND|OR|NOT)\b', words):
        raise UsageError(
            f"{query!r} is not a word or a phrase.",
            'Give plain words: remarks kwic pension, remarks kwic "young people".',
        )
    stems = [t.text for t in index.analyzers.text(words)]
    if not stems:
        raise UsageError(f"{query!r} has only stop words.", "Give a word that is indexed.")
    prepared = prepare_search(
        index, f'text:"{words}"' if len(stems) > 1 else f"text:{words}", filters
    )
    searcher = index.searcher
    ordered = all_matches(index, prepared, "relevance")
    order = CorpusOrder(searcher)
    lines: list[KwicLine] = []
    turns = 0
    for docnum, _ in by_date(ordered, order, newest_first=False):
        fields = searcher.stored_fields(docnum)
        found = _occurrences(fields.get("text", ""), stems, width, index)
        if found:
            turns += 1
        when = fields.get("date")
        for left, match, right in found:
            lines.append(
                KwicLine(
                    left,
                    match,
                    right,
                    fields["speaker"],
                    when.strftime("%Y-%m-%d") if when else None,
                    fields["turn_id"],
                )
            )
    if sort == "left":
        lines.sort(key=lambda line: _words(line.left)[::-1])
    elif sort == "right":
        lines.sort(key=lambda line: _words(line.right))
    elif sort == "speaker":
        lines.sort(key=lambda line: line.speaker)
    return Concordance(query, turns, lines[:limit], len(lines))


def _words(text: str) -> list[str]:
    return [w.lower() for w in TOKEN_RE.findall(text)]


def _occurrences(text: str, stems: list[str], width: int, index: TurnIndex):
    """(left, match, right) for each place the stems follow each other in `text`."""
    spans = list(term_spans(text, index.analyzers.text))
    tokens = [(m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
    starts = {start: i for i, (start, _) in enumerate(tokens)}
    found = []
    for i in range(len(spans) - len(stems) + 1):
        if all(spans[i + k][2] == stems[k] for k in range(len(stems))):
            start, end = spans[i][0], spans[i + len(stems) - 1][1]
            first = starts[start]
            last = starts[spans[i + len(stems) - 1][0]]
            left_from = tokens[max(0, first - width)][0]
            right_to = tokens[min(len(tokens) - 1, last + width)][1]
            left = " ".join(text[left_from:start].split())
            right = " ".join(text[end:right_to].split())
            found.append((left, text[start:end], right))
    return found
