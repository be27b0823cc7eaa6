"""How a field's words become postings: Whoosh's position formats, fed by the one-pass analyzer.

Whoosh's formats run the analyzer token by token (one Token object updated and yielded per
word) and group the tokens by word. Given a `TextAnalyzer`, these take its occurrences as
plain tuples instead, for the same postings (tested): byte for byte, except that positions
are stored as bytes when they fit (`TurnPositions`). Any other analyzer or option goes
through Whoosh's own code.
"""

from itertools import accumulate
from operator import itemgetter, sub
from pickle import loads

from whoosh.formats import Characters, Frequency, Positions
from whoosh.system import _INT_SIZE, pack_uint

_FIRST = itemgetter(0)


def _grouped(analyzer, value, kwargs) -> dict | None:
    occurrences = getattr(analyzer, "occurrences", None)
    if occurrences is None or kwargs != {"mode": "index"} or not isinstance(value, str):
        return None
    grouped: dict[str, list] = {}
    for term, pos, start, end in occurrences(value):
        found = grouped.get(term)
        if found is None:
            grouped[term] = [(pos, start, end)]
        else:
            found.append((pos, start, end))
    return grouped


class TurnCharacters(Characters):
    """Positions and character offsets of each word (the turn text up to schema 12: kept so
    the schema pickled in an older index still loads, and the index is found out of date)."""

    def word_values(self, value, analyzer, **kwargs):
        grouped = _grouped(analyzer, value, kwargs)
        if grouped is None:
            return super().word_values(value, analyzer, **kwargs)
        boost, encode = self.field_boost, self.encode
        return [(w, len(ps), len(ps) * boost, encode(ps)) for w, ps in grouped.items()]

    def decode_positions(self, valuestring):
        # Whoosh's result, unpickled without copying the value and summed in C.
        if valuestring[-1:] != b".":
            return super().decode_positions(valuestring)
        codes = loads(memoryview(valuestring)[_INT_SIZE:])
        return list(accumulate(map(_FIRST, codes)))


_BYTES = b"\x00"  # after the count: the gaps between positions follow, one byte each
_ONCE = [pack_uint(1) + _BYTES + bytes([pos]) for pos in range(256)]  # one position, < 256


class TurnPositions(Positions):
    """Positions of each word (the turn text, titles, roles, speaker names).

    Whoosh stores a word's positions in a turn as their count and a pickled list of the gaps
    between them. When every gap fits in a byte (every word of a turn under 256 words) they
    are stored here as bytes instead (schema 17): 5 + n bytes, not 13 + 2n, and read with no
    unpickling (a phrase reads the positions of every turn holding all its words). Either
    form reads back as the same positions.
    """

    def encode(self, poslist):
        try:  # bytes() refuses a gap outside 0-255
            return pack_uint(len(poslist)) + _BYTES + bytes(map(sub, poslist, [0, *poslist]))
        except ValueError:
            return super().encode(poslist)

    def word_values(self, value, analyzer, **kwargs):
        occurrences = getattr(analyzer, "occurrences", None)
        if occurrences is None or kwargs != {"mode": "index"} or not isinstance(value, str):
            return super().word_values(value, analyzer, **kwargs)
        grouped: dict[str, list[int]] = {}
        for term, pos, _, _ in occurrences(value):
            found = grouped.get(term)
            if found is None:
                grouped[term] = [pos]
            else:
                found.append(pos)
        boost, encode, once = self.field_boost, self.encode, _ONCE
        # Most words occur once in a turn, early: one shared value per position.
        return [
            (w, n, n * boost, once[ps[0]] if n == 1 and ps[0] < 256 else encode(ps))
            for w, ps in grouped.items()
            if (n := len(ps))
        ]

    def decode_positions(self, valuestring):
        if valuestring[_INT_SIZE : _INT_SIZE + 1] == _BYTES:
            return list(accumulate(memoryview(valuestring)[_INT_SIZE + 1 :]))
        if valuestring[-1:] != b".":
            return super().decode_positions(valuestring)
        return list(accumulate(loads(memoryview(valuestring)[_INT_SIZE:])))


class TurnFrequency(Frequency):
    """How often each word occurs (the scored turn text: small postings, quick to read)."""

    def word_values(self, value, analyzer, **kwargs):
        term_counts = getattr(analyzer, "term_counts", None)
        if term_counts is None or kwargs != {"mode": "index"} or not isinstance(value, str):
            return super().word_values(value, analyzer, **kwargs)
        counts = term_counts(value)
        boost = self.field_boost
        return [(w, n, n * boost, pack_uint(n)) for w, n in counts.items()]
