"""Stored fields compressed a block of turns at a time, not turn by turn.

Whoosh keeps each document's stored fields as one pickle, deflated on its own. A turn's
fields are short and repeat those of its neighbours (the transcript's title, date, address;
the speaker), so deflating 16 turns together finds what they share: on the bundled corpus
the stored fields took 4.2 MB turn by turn and 2.4 MB in blocks of 16. Reading a turn
inflates its block (a few kilobytes) and unpickles only that turn's fields; the last block
read lately are kept, so reading turns in order inflates each block once.

A column written here starts with `MAGIC`; a stored-fields column without it is Whoosh's
own (an index of schema 14 or older, which is rebuilt on first use) and is read by Whoosh's
reader.
"""

import contextlib
import sys
import zlib
from array import array
from bisect import bisect_right
from pickle import dumps, loads

from whoosh.columns import Column, ColumnReader, ColumnWriter, CompressedBytesColumn, PickleColumn

MAGIC = b"RMKS"
BLOCK_TURNS = 16  # turns per block
BLOCK_BYTES = 32 * 1024  # or fewer, when their pickles reach this many bytes
LEVEL = 6  # zlib's default level: about as fast as level 3 on blocks this small
RECENT_BLOCKS = 64  # inflated blocks kept per segment reader
_WHOOSH_STORED = PickleColumn(CompressedBytesColumn())


class BlockStoredColumn(Column):
    """A column of stored-field dicts, deflated a block of turns at a time."""

    reversible = False

    def writer(self, dbfile):
        return _Writer(dbfile)

    def reader(self, dbfile, basepos, length, doccount):
        if length >= len(MAGIC) and dbfile.get(basepos, len(MAGIC)) == MAGIC:
            return _Reader(dbfile, basepos, length, doccount)
        return _WHOOSH_STORED.reader(dbfile, basepos, length, doccount)


class _Writer(ColumnWriter):
    """Writes `MAGIC`, the blocks, then the block table: each block's first turn and start
    (unsigned 32- and 64-bit arrays), the number of blocks (8 bytes) last.

    A block inflates to: the number of turns n (4 bytes), n end offsets (4 bytes each),
    then the turns' pickles one after another (a turn without stored fields: no bytes)."""

    def __init__(self, dbfile) -> None:
        self._dbfile = dbfile
        dbfile.write(MAGIC)
        self._pos = len(MAGIC)  # bytes written so far
        self._firsts = array("I")
        self._starts = array("Q")
        self._first: int | None = None
        self._pickles: list[bytes] = []
        self._bytes = 0

    def add(self, docnum: int, value) -> None:
        if self._first is None:
            self._first = docnum
        # Turns with no stored fields between two that have some: empty entries.
        missing = docnum - self._first - len(self._pickles)
        if missing:
            self._pickles.extend([b""] * missing)
        data = dumps(value, 2) if value else b""
        self._pickles.append(data)
        self._bytes += len(data)
        if len(self._pickles) >= BLOCK_TURNS or self._bytes >= BLOCK_BYTES:
            self._emit()

    def _emit(self) -> None:
        if self._first is None:
            return
        ends = array("I")
        end = 0
        for data in self._pickles:
            end += len(data)
            ends.append(end)
        raw = array("I", [len(self._pickles)]).tobytes() + ends.tobytes() + b"".join(self._pickles)
        block = zlib.compress(raw, LEVEL)
        self._firsts.append(self._first)
        self._starts.append(self._pos)
        self._dbfile.write(block)
        self._pos += len(block)
        self._first, self._pickles, self._bytes = None, [], 0

    def fill(self, docnum: int) -> None:
        pass  # missing turns read as empty

    def finish(self, doccount: int) -> None:
        self._emit()
        self._starts.append(self._pos)  # the end of the last block
        self._dbfile.write(self._firsts.tobytes())
        self._dbfile.write(self._starts.tobytes())
        self._dbfile.write(array("Q", [len(self._firsts)]).tobytes())


class _Reader(ColumnReader):
    def __init__(self, dbfile, basepos: int, length: int, doccount: int) -> None:
        ColumnReader.__init__(self, dbfile, basepos, length, doccount)
        count = array("Q", dbfile.get(basepos + length - 8, 8))[0]
        table = basepos + length - 8 - count * 4 - (count + 1) * 8
        self._firsts = array("I", dbfile.get(table, count * 4))
        self._starts = array("Q", dbfile.get(table + count * 4, (count + 1) * 8))
        # Blocks read lately (a page's records, then its snippets, read the same turns):
        # block number → (its turns' end offsets, the inflated block, where the pickles start).
        self._recent: dict[int, tuple[array, bytes, int]] = {}

    def _load(self, block: int) -> tuple[array, bytes, int]:
        start, end = self._starts[block], self._starts[block + 1]
        raw = zlib.decompress(self._dbfile.get(self._basepos + start, end - start))
        n = int.from_bytes(raw[:4], sys.byteorder)
        loaded = (array("I", raw[4 : 4 + 4 * n]), raw, 4 + 4 * n)
        recent = self._recent
        if len(recent) >= RECENT_BLOCKS:
            with contextlib.suppress(StopIteration, KeyError, RuntimeError):
                del recent[next(iter(recent))]  # the oldest (another thread may be first)
        recent[block] = loaded
        return loaded

    def __getitem__(self, docnum: int):
        block = bisect_right(self._firsts, docnum) - 1
        if block < 0:
            return None
        loaded = self._recent.get(block)
        ends, raw, base = loaded if loaded is not None else self._load(block)
        i = docnum - self._firsts[block]
        if i >= len(ends):
            return None
        start = base + (ends[i - 1] if i else 0)
        end = base + ends[i]
        return loads(raw[start:end]) if end > start else None

    def __iter__(self):
        for docnum in range(self._doccount):
            yield self[docnum]

    def load(self):
        return list(self)
