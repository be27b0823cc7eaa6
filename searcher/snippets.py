"""Snippets: the part of a turn that matches a query, with the matched words marked.

A turn can run to many paragraphs; the snippet comes from the paragraph that holds the most
(and rarest) matched terms, cut to a window around the matches. Highlights are character
offsets into the snippet, found by running the index analyzer over the text, so a match on
"robots" highlights "robotics"' stem sibling "robot" exactly as the ranking saw it.
"""

from dataclasses import dataclass

from indexer.analysis import term_spans

SNIPPET_CHARS = 320
ELLIPSIS = "…"


@dataclass(frozen=True)
class Snippet:
    """A piece of turn text and the [start, end) offsets of matched words in it."""

    text: str
    highlights: list[tuple[int, int]]


def make_snippet(text: str, terms: dict[str, float], max_chars: int = SNIPPET_CHARS) -> Snippet:
    """Return the best snippet of `text` for the stemmed `terms` (term → weight)."""
    paragraphs = _paragraph_spans(text)
    if not paragraphs:
        return Snippet("", [])
    best = None
    for start, end in paragraphs:
        spans = _matches(text[start:end], terms)
        weight = sum({terms[t] for _, _, t in spans}) + 0.01 * len(spans)
        if best is None or weight > best[0]:
            best = (weight, start, end, spans)
    _, start, end, spans = best
    return _window(text[start:end], spans, max_chars)


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _matches(paragraph: str, terms: dict[str, float]) -> list[tuple[int, int, str]]:
    if not terms:
        return []
    return [span for span in term_spans(paragraph) if span[2] in terms]


def _window(paragraph: str, spans: list[tuple[int, int, str]], max_chars: int) -> Snippet:
    if len(paragraph) <= max_chars:
        return Snippet(paragraph, [(s, e) for s, e, _ in spans])
    # Slide a window over the matches and keep the one covering the most of them.
    best_start, best_count = 0, 0
    for s, _, _ in spans:
        begin = max(0, s - max_chars // 4)
        count = sum(1 for s2, e2, _ in spans if s2 >= begin and e2 <= begin + max_chars)
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
