"""'Did you mean': corrections for query words the index has never seen.

Candidates are the surface words of the indexed text (the words of the stem table saved with
the index), within one edit for short words and two for longer ones, the nearest first and,
among equals, the one in most turns.
"""

import re

from whoosh.support.levenshtein import distance

from indexer.analysis import STOP_WORDS, fold, stem

WORD_RE = re.compile(r"(?<![\w:*?~])([^\W\d_][\w'’]*)(?![\w*?~:])")
OPERATORS = ("AND", "OR", "NOT")


def suggest(searcher, query: str, vocabulary: frozenset[str]) -> str | None:
    """Return the query with words the index does not know corrected to words of its
    `vocabulary`, or None if nothing needs correcting."""
    reader = searcher.reader()
    if not vocabulary:
        return None
    changed = False
    pieces = []
    last = 0
    for m in WORD_RE.finditer(query):
        word = m.group(1)
        key = fold(word.lower())
        if word in OPERATORS or _known(reader, vocabulary, key):
            continue
        best = _nearest(reader, vocabulary, key)
        if best is None:
            continue
        pieces.append(query[last : m.start(1)] + _match_case(best, word))
        last = m.end(1)
        changed = True
    if not changed:
        return None
    return "".join(pieces) + query[last:]


def edit_distance(a: str, b: str) -> int:
    """Return the Damerau-Levenshtein distance (with adjacent transpositions) of two words."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _nearest(reader, vocabulary: frozenset[str], word: str) -> str | None:
    limit = 2 if len(word) > 4 else 1
    candidates = [
        w
        for w in vocabulary
        if abs(len(w) - len(word)) <= limit
        and w[:1] == word[:1]
        and w != word
        and distance(w, word, limit) <= limit
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda w: (edit_distance(word, w), -_frequency(reader, w), w))


def _frequency(reader, word: str) -> int:
    return reader.doc_frequency("text", stem(word))


def _known(reader, vocabulary: frozenset[str], word: str) -> bool:
    if word in STOP_WORDS or len(word) < 3 or word in vocabulary:
        return True
    if reader.doc_frequency("speaker_name", word) > 0:
        return True
    # A word not spoken as such whose stem is ("robotic" finds "robots") matches: no correction.
    stemmed = stem(word)
    return any(reader.doc_frequency(name, stemmed) > 0 for name in ("text", "title", "role"))


def _match_case(suggestion: str, original: str) -> str:
    if original.isupper() and len(original) > 1:
        return suggestion.upper()
    if original[:1].isupper():
        return suggestion[:1].upper() + suggestion[1:]
    return suggestion
