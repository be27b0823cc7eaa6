"""'Did you mean': corrections for query words the index has never seen.

Suggestions come from the unstemmed words of the turn text (Whoosh's `spell_text` field), not
from the stemmed index terms, so they are real words a user would type.
"""

import re

from indexer.analysis import STOP_WORDS, fold

WORD_RE = re.compile(r"(?<![\w:*?~])([^\W\d_][\w'’]*)(?![\w*?~:])")
SPELL_FIELD = "spell_text"


def suggest(searcher, query: str) -> str | None:
    """Return the query with unknown words corrected, or None if nothing needs correcting."""
    reader = searcher.reader()
    if SPELL_FIELD not in reader.schema:
        return None
    corrector = None
    changed = False
    pieces = []
    last = 0
    for m in WORD_RE.finditer(query):
        word = m.group(1)
        key = fold(word.lower())
        if _known(reader, key) or word in ("AND", "OR", "NOT"):
            continue
        if corrector is None:
            corrector = searcher.corrector("text")
        found = corrector.suggest(key, limit=50, maxdist=2 if len(key) > 4 else 1)
        if not found:
            continue
        best = min(found, key=lambda w: (edit_distance(key, w), -_frequency(reader, w)))
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


def _frequency(reader, word: str) -> int:
    return reader.doc_frequency(SPELL_FIELD, word)


def _known(reader, word: str) -> bool:
    if word in STOP_WORDS or len(word) < 3:
        return True
    return (
        reader.doc_frequency(SPELL_FIELD, word) > 0
        or reader.doc_frequency("speaker_name", word) > 0
    )


def _match_case(suggestion: str, original: str) -> str:
    if original.isupper() and len(original) > 1:
        return suggestion.upper()
    if original[:1].isupper():
        return suggestion[:1].upper() + suggestion[1:]
    return suggestion
