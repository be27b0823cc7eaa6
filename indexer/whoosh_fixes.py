"""Fixes to Whoosh internals that cost remarks time, applied when the indexer is imported.

Whoosh 2.7's per-document reader asks the disk whether a length column exists for every
posting it writes when the field has none (ID, numeric and date fields), one `os.stat` per
posting: a fifth of the time of building an index. The answer cannot change for a written
segment, so it is remembered, "no column" included.

Writing a segment looks up the stored length of the field for every posting, one file read
and struct unpack each; the lengths are one byte per document, so the whole column is read
once into `bytes` and indexed.

Reading a block of postings decodes its delta-coded document numbers with a Python generator,
one step per posting; `itertools.accumulate` gives the same numbers in C.
"""

from itertools import accumulate

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3PerDocReader
from whoosh.util.numeric import byte_to_length

_NO_COLUMN = b""


def _cached_reader(self, fieldname, column):
    readers = self._readers
    if fieldname not in readers:
        has = self.has_column(fieldname)
        readers[fieldname] = self.column_reader(fieldname, column) if has else None
    return readers[fieldname]


def length_bytes(perdoc: W3PerDocReader, fieldname: str) -> bytes | None:
    """The stored length byte of `fieldname` for every document of a segment (None: the
    field stores no lengths)."""
    cache = perdoc.__dict__.setdefault("_remarks_lengths", {})
    lengths = cache.get(fieldname)
    if lengths is None:
        column = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
        if column is None:
            lengths = _NO_COLUMN
        else:
            raw = bytes(column._dbfile.get(column._basepos, column._count))
            lengths = raw + bytes(max(0, perdoc._doccount - len(raw)))
        cache[fieldname] = lengths
    return None if lengths is _NO_COLUMN else lengths


def _doc_field_length(self, docnum, fieldname, default=0):
    if docnum > self._doccount:
        raise IndexError(f"Asked for docnum {docnum} of {self._doccount}")
    lengths = length_bytes(self, fieldname)
    if lengths is None:
        return default
    lbyte = lengths[docnum]
    if lbyte:
        return byte_to_length(lbyte)
    return None  # as Whoosh's own


def _read_ids(self):
    if self._data is None:
        self._read_data()
    ids = self._data[0]
    self._ids = ids if self._byteids else tuple(accumulate(ids))


def apply() -> None:
    """Install the fixes (idempotent)."""
    W3PerDocReader._cached_reader = _cached_reader
    W3LeafMatcher._read_ids = _read_ids
    W3PerDocReader.doc_field_length = _doc_field_length
