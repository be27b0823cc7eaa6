"""Fixes to Whoosh internals that cost remarks time, applied when the indexer is imported.

Whoosh 2.7's per-document reader asks the disk whether a length column exists for every
posting it writes when the field has none (ID, numeric and date fields), one `os.stat` per
posting: a fifth of the time of building an index. The answer cannot change for a written
segment, so it is remembered, "no column" included.

Writing a segment looks up the stored length of the field for every posting, one file read
and struct unpack each; the lengths are one byte per document, so the whole column is read
once into `bytes` and indexed.

Opening a file inside a compound segment wraps Whoosh's memory map of it in a `BytesIO`,
which copies the whole file into memory: opening a 100k-turn index read 400 MB, a million
turns several GB, in every process that opened it. A reader over the memory map itself
copies only what is read.

Whoosh's reader of several segments builds a column from only the segments that hold that
column, yet maps document numbers as if every segment were there: in an index where one
segment has no value at all for a column (a transcript added without speaker labels has no
role), reading the column raised IndexError or, worse, read another turn's value. Every
segment is included here; one without the column answers the column's default. A date
column's default (a turn with no date) is read as None, not as an error: Whoosh turned it into
a datetime and raised OverflowError.

Reading a block of postings decodes its delta-coded document numbers with a Python generator,
one step per posting; `itertools.accumulate` gives the same numbers in C. A block whose
postings all have one weight (a title word: once in every turn of the transcript) stores it
once, and Whoosh repeats it with a generator; an array times the count does it in C. Going to
a block unpickled its header (six numbers) from the segment file, about twenty Python `read`
calls; it is unpickled here from a copy of its few bytes (`_goto`, same fields set).

A segment's column reader is made anew at each request, and a bytes column (transcript ids,
speakers, roles) of a segment under 32,768 turns then rebuilds its offsets from its lengths,
turn by turn in Python: 3 ms per column per search at 6k turns, most of a warm search's
ordering. A segment never changes once written, so each segment reader keeps its column
readers (they hold no position: reading one is a slice of the segment's memory view).

A posting block is one pickle of its documents, weights and values; in a positions field
(the turn text since schema 14) the values are one bytes object per posting, and scoring,
which needs no positions, unpickled them all. Up to schema 16 a positions block's values were
pickled into one bytes object inside the block, unpickled only when positions are read (still
read; schema 17 writes them packed, below). Blocks
written by Whoosh still read; Whoosh itself no longer reads the positions of blocks written
here (remarks's stored fields were already its own: indexer/whoosh_ext/stored.py).

Whoosh deflates a posting block's data unless it is under 20 bytes — so its comment says; a
slip in its code (the level is set again on the next line) deflates every block. Most words
of a corpus occur in one or two turns, and a deflated one-posting block is larger than the
pickle it holds (zlib adds six bytes and finds nothing to share in forty), and costs a
`zlib.compress` to write and a `zlib.decompress` at every read. Here a block is deflated only
when that makes it smaller; its header says which, as before, so every reader reads both.

A positions block (schema 17) is written in two parts, each deflated only when that makes it
smaller: its documents and weights, then its values. Deflated together, every read inflated the
positions — four fifths of a text block's bytes — to get at the documents and weights that
scoring needs (100k synthetic turns: 18.8 → 6.2 µs a block). Its weights, word counts, are
stored as one byte each when they fit, not as a tuple of floats (counts read as ints: the same
scores). Its values are their lengths and the values end to end (`PackedValues`), not a
pickled tuple: a phrase reads the positions of the turns holding all its words, and a block's
other values stay bytes of the block. The block header's compression level says which layout
(`_SPLIT`); Whoosh's own reader no longer reads these blocks (`read_blocks_only` teaches it,
for the tests).
"""

import io
import pickle
import zlib
from array import array
from itertools import accumulate, pairwise

from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3LeafMatcher,
    W3PerDocReader,
    W3PostingsWriter,
)
from whoosh.columns import EmptyColumnReader, MultiColumnReader
from whoosh.fields import DATETIME
from whoosh.filedb.structfile import BufferFile
from whoosh.reading import EmptyReader, MultiReader, ReaderClosed, SegmentReader
from whoosh.system import _INT_SIZE, pack_uint, unpack_int, unpack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte

from indexer.whoosh_ext.stored import BlockStoredColumn

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


def _read_weights(self):
    if self._data is None:
        self._read_data()
    weights = self._data[1]
    if weights is None or isinstance(weights, float):  # one weight for every posting
        self._weights = array("f", [1.0 if weights is None else weights]) * self._blocklength
    else:
        self._weights = weights


_ORIGINAL_MINI_VALUES = W3PostingsWriter._mini_values
_ORIGINAL_READ_VALUES = W3LeafMatcher._read_values


def _mini_values(self):
    """A posting block's values as Whoosh writes them, except a positions field's: its
    values (one bytes object per posting) pickled into one bytes object. Reading the block
    for its documents and weights — all that scoring needs — then builds one object, not
    one per posting; `_read_values` unpickles them when positions are asked for."""
    fixedsize = self._format.fixed_value_size()
    if fixedsize is None or fixedsize < 0:
        return pickle.dumps(tuple(self._values), 2)
    return _ORIGINAL_MINI_VALUES(self)


def _read_values(self):
    """Whoosh's, also for the values `_mini_values` writes (older blocks hold a tuple) and
    the values part of a two-part block (pickled, maybe deflated)."""
    if self._data is None:
        self._read_data()
    values = self._data[2]
    fixedsize = self._fixedsize
    if isinstance(values, bytes | memoryview) and (fixedsize is None or fixedsize < 0):
        values = _inflated(values)
        if values[:1] == _VALUES:
            self._values = PackedValues(values, self._blocklength)
        else:
            self._values = pickle.loads(values)
    else:
        _ORIGINAL_READ_VALUES(self)


def _values_part(values: list[bytes]) -> bytes:
    """`PackedValues`'s bytes: the mark, the lengths' type code and the lengths (the
    narrowest array that holds them), then the values."""
    lengths = list(map(len, values))
    longest = max(lengths, default=0)
    code = "B" if longest < 1 << 8 else "H" if longest < 1 << 16 else "I"
    return _VALUES + code.encode() + array(code, lengths).tobytes() + b"".join(values)


class PackedValues:
    """A two-part block's values: their lengths, then the values end to end, one bytes
    object made only for a value asked for (a phrase asks for the turns holding all its
    words, not every posting of each)."""

    __slots__ = ("_data", "_starts")

    def __init__(self, data, count: int) -> None:
        lengths = array(chr(data[1]))
        end = 2 + lengths.itemsize * count
        lengths.frombytes(bytes(data[2:end]))
        self._data = bytes(data) if isinstance(data, memoryview) else data
        self._starts = list(accumulate(lengths, initial=end))

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __getitem__(self, i: int) -> bytes:
        starts = self._starts
        if i < 0:
            i += len(starts) - 1
            if i < 0:
                raise IndexError(i)
        return self._data[starts[i] : starts[i + 1]]  # past the end: IndexError

    def __iter__(self):
        data, starts = self._data, self._starts
        return (data[a:b] for a, b in pairwise(starts))


_ORIGINAL_READ_DATA = W3LeafMatcher._read_data
_SPLIT = -1  # a block header's compression level for a two-part block
_VALUES = b"\x01"  # a two-part block's values start so: lengths, then values (not a pickle)


def _read_data(self):
    """Whoosh's, and a two-part block: its documents and weights now, its values (still
    packed) when `_read_values` asks."""
    if self._compression != _SPLIT:
        return _ORIGINAL_READ_DATA(self)
    data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
    (length,) = unpack_uint(data[:_INT_SIZE])
    head = _INT_SIZE + length
    ids, weights = pickle.loads(_inflated(data[_INT_SIZE:head]))
    self._data = (ids, weights, data[head:])


def _inflated(data):
    """A part written by `_packed`: deflated (zlib's header byte) or a pickle as it was."""
    return zlib.decompress(data) if data[:1] == b"x" else data


def _packed(data: bytes, level: int) -> bytes:
    """`data` deflated when that makes it smaller (a pickle never starts as zlib does)."""
    if level and len(data) >= _DEFLATE_FROM:
        deflated = zlib.compress(data, level)
        if len(deflated) < len(data):
            return deflated
    return data


def read_blocks_only() -> None:
    """Teach Whoosh to read the posting blocks written here and change nothing else (for
    comparing with Whoosh's own scoring on an index remarks wrote)."""
    W3LeafMatcher._read_values = _read_values
    W3LeafMatcher._read_data = _read_data


_ORIGINAL_COLUMN_READER = SegmentReader.column_reader


def _segment_column_reader(self, fieldname, column=None, reverse=False, translate=True):
    """Whoosh's `SegmentReader.column_reader`, made once per segment reader and kept."""
    if self.is_closed:
        raise ReaderClosed
    if column is not None:
        return _ORIGINAL_COLUMN_READER(self, fieldname, column, reverse, translate)
    cache = self.__dict__.setdefault("_remarks_columns", {})
    key = (fieldname, reverse, translate)
    found = cache.get(key)
    if found is None:
        found = cache[key] = _ORIGINAL_COLUMN_READER(self, fieldname, None, reverse, translate)
    return found


_DEFLATE_FROM = 20  # bytes: Whoosh's own threshold


def _write_block(self, last=False):
    """Whoosh's `W3PostingsWriter._write_block`, the data deflated only when that makes it
    smaller (the block's header records the level used, 0 for none)."""
    if not self._blockcount:
        self._postfile.write(whoosh3.WHOOSH3_HEADER_MAGIC)
    self._terminfo.add_block(self)
    level = self._compression
    fixedsize = self._format.fixed_value_size()
    if self._values and (fixedsize is None or fixedsize < 0):  # positions: two parts
        weights = self._mini_weights()
        if isinstance(weights, tuple) and all(w.is_integer() and 0 < w < 256 for w in weights):
            weights = bytes(map(int, weights))
        head = _packed(pickle.dumps((self._mini_ids(), weights), 2), level)
        values = _packed(_values_part(self._values), level)
        databytes = pack_uint(len(head)) + head + values
        level = _SPLIT
    else:
        databytes = pickle.dumps((self._mini_ids(), self._mini_weights(), self._mini_values()), 2)
        packed = _packed(databytes, level)
        level = level if packed is not databytes else 0
        databytes = packed
    ids = self._ids
    info = (
        len(ids),
        ids[-1],
        self._maxweight,
        level,
        length_to_byte(self._minlength),
        length_to_byte(self._maxlength),
    )
    infobytes = pickle.dumps(info, 2)
    length = len(infobytes) + len(databytes)
    postfile = self._postfile
    postfile.write_int(-length if last else length)
    postfile.write(infobytes)
    postfile.write(databytes)
    self._blockcount += 1
    self._new_block()


_ORIGINAL_GOTO = W3LeafMatcher._goto
_HEADER_BYTES = 128  # a block's header: a pickled tuple of six numbers, well under this


def _goto(self, position):
    """Whoosh's `W3LeafMatcher._goto`: the block at `position`, its header read from the
    memory view in one piece."""
    postfile = self._postfile
    view = getattr(postfile, "_buf", None)
    if view is None:  # not a segment held in memory: Whoosh's own
        return _ORIGINAL_GOTO(self, position)
    (length,) = unpack_int(view[position : position + _INT_SIZE])
    start = position + _INT_SIZE
    head = io.BytesIO(view[start : start + min(abs(length), _HEADER_BYTES)])
    try:
        info = pickle.load(head)
    except (EOFError, pickle.UnpicklingError):
        return _ORIGINAL_GOTO(self, position)
    self._data = self._ids = self._weights = self._values = None
    self._i = 0
    if length < 0:
        self._lastblock = True
        length = -length
    self._nextoffset = start + length
    self._dataoffset = start + head.tell()
    postfile.seek(self._dataoffset)
    (
        self._blocklength,
        self._maxid,
        self._maxweight,
        self._compression,
        shortest,
        longest,
    ) = info
    self._minlength = byte_to_length(shortest)
    self._maxlength = byte_to_length(longest)


class _ViewReader:
    """A read-only file over a memory view, reading without copying the view first."""

    def __init__(self, view) -> None:
        self._view = view
        self._pos = 0

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._view) if size is None or size < 0 else min(len(self._view), start + size)
        self._pos = max(start, end)
        return bytes(self._view[start:end])

    def readinto(self, target) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        view, start = self._view, self._pos
        limit = len(view) if size is None or size < 0 else min(len(view), start + size)
        end = start
        while end < limit:
            end += 1
            if view[end - 1] == 10:  # b"\n"
                break
        self._pos = end
        return bytes(view[start:end])

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._pos, len(self._view))[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._view = b""


def _buffer_file_init(self, buf, name=None, onclose=None):
    self._buf = buf
    self._name = name
    self.file = _ViewReader(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def _multi_column_reader(self, fieldname, column=None, reverse=False, translate=True):
    columns = [
        r.column_reader(fieldname, column=column, reverse=reverse, translate=translate)
        for r in self.readers
    ]
    return MultiColumnReader(columns, list(self.doc_offsets))


_ORIGINAL_DATETIME_FROM_COLUMN = DATETIME.from_column_value


def _datetime_from_column(self, x):
    if x >= (1 << 63) - 1 and x == self.column_type.default_value(False):
        return None
    try:
        return _ORIGINAL_DATETIME_FROM_COLUMN(self, x)
    except OverflowError:
        return None


def _empty_column_reader(self, fieldname, column=None, reverse=False, translate=True):
    return EmptyColumnReader(None, 0)


def apply() -> None:
    """Install the fixes (idempotent)."""
    W3PerDocReader._cached_reader = _cached_reader
    W3LeafMatcher._read_ids = _read_ids
    W3LeafMatcher._read_weights = _read_weights
    W3LeafMatcher._goto = _goto
    W3LeafMatcher._read_values = _read_values
    W3LeafMatcher._read_data = _read_data
    W3PostingsWriter._mini_values = _mini_values
    W3PostingsWriter._write_block = _write_block
    SegmentReader.column_reader = _segment_column_reader
    W3PerDocReader.doc_field_length = _doc_field_length
    BufferFile.__init__ = _buffer_file_init
    MultiReader.column_reader = _multi_column_reader
    EmptyReader.column_reader = _empty_column_reader  # an index with no turns yet
    DATETIME.from_column_value = _datetime_from_column
    whoosh3.STORED_COLUMN = BlockStoredColumn()  # read at each use, by writers and readers
