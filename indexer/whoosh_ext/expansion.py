"""Expanding query nodes (wildcards, prefixes, fuzzy words, ranges) that are bounded and that
match stems.

Replaces Whoosh's private `_btexts` (the words a multi-term query expands to) in two ways:
- `capped()`: every word counts against the search's budget (`searcher.query.QueryBudget`,
  anything with `check()` and `take(pattern)`), and the deadline is checked as it expands.
  Without it `*a* *b* … *z*` took 43 s and blocked the server.
- `StemmedFuzzyTerm`: Whoosh looks fuzzy words up in a field's separate spelling words, which
  remarks does not index (dropping them made builds 2× faster); this compares a fuzzy word
  with the field's own stemmed terms.
"""

from typing import Protocol

from whoosh import query as q
from whoosh.support.levenshtein import distance


class Budget(Protocol):
    def check(self) -> None: ...

    def take(self, pattern: str) -> bool: ...


class _Capped:
    """What every expanding query node shares: its words count against the search's budget,
    and the deadline is checked as it expands."""

    budget: Budget

    def _btexts(self, ixreader):
        budget = self.budget
        for i, btext in enumerate(super()._btexts(ixreader)):  # type: ignore[misc]
            if i % 64 == 0:
                budget.check()
            if not budget.take(str(self)):
                return
            yield btext


def capped(node: q.Query, budget: "Budget") -> q.Query:
    """A copy of the expanding query `node` whose expansion is bounded by `budget`."""
    kind = type(node)
    capped_kind = _CAPPED_KINDS.get(kind)
    if capped_kind is None:
        capped_kind = _CAPPED_KINDS[kind] = type(f"Capped{kind.__name__}", (_Capped, kind), {})
    capped = node.copy()
    capped.__class__ = capped_kind
    capped.budget = budget
    return capped


_CAPPED_KINDS: dict[type, type] = {}


class StemmedFuzzyTerm(q.FuzzyTerm):
    """A fuzzy term matched against a stemmed field's own terms.

    Whoosh looks fuzzy terms up in a field's separate spelling words (unstemmed), which never
    equal the stemmed terms they are then searched as; this compares stems with stems.
    """

    def _btexts(self, ixreader):
        field = ixreader.schema[self.fieldname]
        size, maxdist = len(self.text), self.maxdist
        for btext in ixreader.expand_prefix(self.fieldname, self.text[: self.prefixlength]):
            word = field.from_bytes(btext)
            if abs(len(word) - size) > maxdist:
                continue  # more edits apart than allowed: no need to count them
            if distance(word, self.text, limit=maxdist) <= maxdist:
                yield word
