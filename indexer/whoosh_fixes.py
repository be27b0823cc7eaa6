"""Fixes to Whoosh internals that cost remarks time, applied when the indexer is imported.

Whoosh 2.7's per-document reader asks the disk whether a length column exists for every
posting it writes when the field has none (ID, numeric and date fields), one `os.stat` per
posting: a fifth of the time of building an index. The answer cannot change for a written
segment, so it is remembered, "no column" included.
"""

from whoosh.codec.whoosh3 import W3PerDocReader


def _cached_reader(self, fieldname, column):
    readers = self._readers
    if fieldname not in readers:
        has = self.has_column(fieldname)
        readers[fieldname] = self.column_reader(fieldname, column) if has else None
    return readers[fieldname]


def apply() -> None:
    """Install the fixes (idempotent)."""
    W3PerDocReader._cached_reader = _cached_reader
