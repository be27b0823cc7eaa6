"""Snippets: the part of a turn that matches a query, with the matched words marked.

A turn can run to many paragraphs; the snippet comes from the paragraph that holds the most
(and rarest) matched terms, cut to a window around the matches. Highlights are character
offsets into the snippet, found by running the index analyzer over the text, so a match on
"robots" highlights "robotics"' stem sibling "robot" exactly as the ranking saw it.

The work is bounded whatever the text: a turn's paragraphs are read for matches up to
`TURN_SCAN_CHARS` characters, and a search's snippets together up to a `SnippetBudget`; past
it, a snippet is the start of the turn, with the matches found in it.
"""

from dataclasses import dataclass

from indexer.analysis import TextAnalyzer, spans_of_terms

SNIPPET_CHARS = 320
ELLIPSIS = "…"
TURN_SCAN_CHARS = 200_000
SEARCH_SCAN_CHARS = 2_000_000


class SnippetBudget:
    """How many more characters the snippets of one search may read for matches."""

    def __init__(self, chars: int = SEARCH_SCAN_CHARS) -> None:
        self.chars = chars

    def take(self, wanted: int) -> int:
        """Return how many of `wanted` characters may be read, and count them as read."""
        granted = max(0, min(wanted, self.chars))
        self.chars -= granted
        return granted


@dataclass(frozen=True)
class Snippet:
    """A piece of turn text and the [start, end) offsets of matched words in it."""

    text: str
    highlights: list[tuple[int, int]]


def make_snippet(
    text: str,
    terms: dict[str, float],
    max_chars: int = SNIPPET_CHARS,
    budget: SnippetBudget | None = None,
    analyzer: TextAnalyzer | None = None,
) -> Snippet:
    """Return the best snippet of `text` for the stemmed `terms` (term → weight)."""
    paragraphs = _paragraph_spans(text)
    if not paragraphs:
        return Snippet("", [])
    allowed = min(len(text), TURN_SCAN_CHARS)
    if budget is not None:
        allowed = budget.take(allowed)
    best = None
    for start, end in paragraphs:
        if allowed <= 0 and best is not None:
            break
        # At least the first window of a paragraph is always read, so a snippet is never empty.
        scanned = min(end, start + max(allowed, 2 * max_chars))
        if scanned < end:  # stop at a space, not inside a word
            scanned = max(start + 1, text.rfind(" ", start, scanned))
        allowed -= scanned - start
        spans = _matches(text[start:scanned], terms, analyzer)
        weight = sum({terms[t] for _, _, t in spans}) + 0.01 * len(spans)
        if best is None or weight > best[0]:
            best = (weight, start, end, spans)
    assert best is not None
    _, start, end, spans = best
    return _window(text[start:end], spans, max_chars)


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _matches(
    paragraph: str, terms: dict[str, float], analyzer: TextAnalyzer | None
) -> list[tuple[int, int, str]]:
    if not terms:
        return []
    return spans_of_terms(paragraph, terms, analyzer)


def _window(paragraph: str, spans: list[tuple[int, int, str]], max_chars: int) -> Snippet:
    if len(paragraph) <= max_chars:
        return Snippet(paragraph, [(s, e) for s, e, _ in spans])
    # Slide a window over the matches and keep the one covering the most of them: two
    # pointers over the matches in text order (both only move forward), linear in their number.
    best_start, best_count = 0, 0
    first = 0  # the first match starting at or after the window's start
    last = 0  # one past the last match ending inside the window
    for s, _, _ in spans:
        begin = max(0, s - max_chars // 4)
        while first < len(spans) and spans[first][0] < begin:
            first += 1
        last = max(last, first)
        while last < len(spans) and spans[last][1] <= begin + max_chars:
            last += 1
        count = last - first  # matches do not overlap: their ends are in order too
        if count > best_count:
            best_start, best_count = begin, count
    begin = _word_start(paragraph, best_start)
    end = _word_end(paragraph, min(len(paragraph), begin + max_chars))
    body = paragraph[begin:end].strip()
    lead = len(paragraph[begin:end]) - len(paragraph[begin:end].lstrip())
    prefix = ELLIPSIS if begin > 0 else ""
    suffix = ELLIPSIS if end < len(paragraph) else ""
    shift = len(prefix) - begin - lead
    inside = range(begin + lead, begin + lead + len(body) + 1)
    highlights = [(s + shift, e + shift) for s, e, _ in spans if s in inside and e in inside]
    return Snippet(prefix + body + suffix, highlights)


def _word_start(text: str, pos: int) -> int:
    if pos <= 0:
        return 0
    # Prefer the start of the sentence the window falls in, if it is close.
    sentence = max(text.rfind(". ", 0, pos), text.rfind("? ", 0, pos), text.rfind("! ", 0, pos))
    if sentence != -1 and pos - sentence < 80:
        return sentence + 2
    space = text.rfind(" ", 0, pos)
    return space + 1 if space != -1 else pos


def _word_end(text: str, pos: int) -> int:
    if pos >= len(text):
        return len(text)
    space = text.rfind(" ", 0, pos)
    return space if space > 0 else pos
