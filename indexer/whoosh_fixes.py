"""Fixes to Whoosh internals that cost remarks time, applied when the indexer is imported.

Whoosh 2.7's per-document reader asks the disk whether a length column exists for every
posting it writes when the field has none (ID, numeric and date fields), one `os.stat` per
posting: a fifth of the time of building an index. The answer cannot change for a written
segment, so it is remembered, "no column" included.

Reading a block of postings decodes its delta-coded document numbers with a Python generator,
one step per posting; `itertools.accumulate` gives the same numbers in C.
"""

from itertools import accumulate

from whoosh.codec.whoosh3 import W3LeafMatcher, W3PerDocReader


def _cached_reader(self, fieldname, column):
    readers = self._readers
    if fieldname not in readers:
        has = self.has_column(fieldname)
        readers[fieldname] = self.column_reader(fieldname, column) if has else None
    return readers[fieldname]


def _read_ids(self):
    if self._data is None:
        self._read_data()
    ids = self._data[0]
    self._ids = ids if self._byteids else tuple(accumulate(ids))


def apply() -> None:
    """Install the fixes (idempotent)."""
    W3PerDocReader._cached_reader = _cached_reader
    W3LeafMatcher._read_ids = _read_ids
