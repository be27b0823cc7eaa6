"""Stored fields deflated a block of turns at a time (indexer/whoosh_ext/stored.py)."""

import random
from pathlib import Path

from whoosh import index
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage

from indexer import whoosh_ext
from indexer.whoosh_ext import stored
from tests.stock import in_stock_whoosh

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _docs() -> list[dict]:
    """Turns of the bundled corpus as documents: some without stored fields (a gap in the
    column), some longer than a block's byte limit, the rest as they come."""
    paragraphs = [
        line
        for path in sorted(CORPUS.glob("*.txt"))[:6]
        for line in path.read_text(encoding="utf-8").splitlines()
        if len(line) > 40
    ]
    docs: list[dict] = []
    for n, text in enumerate(paragraphs[:150]):
        if n % 23 == 5:
            docs.append({"tag": f"only-indexed-{n}"})  # nothing stored
        elif n % 37 == 9:
            docs.append({"n": n, "body": text * (stored.BLOCK_BYTES // len(text) + 2)})
        else:
            docs.append({"n": n, "body": text, "tag": "t"})
    return docs


def _schema() -> Schema:
    return Schema(n=NUMERIC(stored=True), body=TEXT(stored=True), tag=ID())


def _build(folder: str, docs: list[dict]) -> None:
    ix = index.create_in(folder, _schema())
    with ix.writer() as writer:
        for doc in docs:
            writer.add_document(**doc)


def build_stock(folder: str, docs: list[dict]) -> int:
    """Build with unpatched Whoosh (run in a fresh process); return its stored fields' size."""
    _build(folder, docs)
    return stored_bytes(folder)


def stored_bytes(folder: str) -> int:
    """The size of the stored-fields column of the index's (one, compound) segment."""
    (segment,) = Path(folder).glob("*.seg")
    storage = FileStorage(folder)
    files = CompoundStorage(storage.open_file(segment.name), use_mmap=False)
    (name,) = [n for n in files.list() if n.endswith("._stored.col")]
    return files.file_length(name)


def _expected(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "tag"}


def test_every_turn_reads_back_in_any_order(tmp_path):
    whoosh_ext.apply()
    docs = _docs()
    _build(str(tmp_path), docs)
    ix = index.open_dir(str(tmp_path))
    with ix.searcher() as searcher:
        order = list(range(len(docs)))
        for shuffled in (order, order[::-1], random.Random(3).sample(order, len(order))):
            assert [searcher.stored_fields(d) for d in shuffled] == [
                _expected(docs[d]) for d in shuffled
            ]
        # The stored fields are in the block format, not Whoosh's turn-by-turn one.
        perdoc = searcher.reader()._perdoc
        reader = perdoc._cached_reader("_stored", stored.BlockStoredColumn())
        assert isinstance(reader, stored._Reader)
        # Blocks end at 16 turns, or sooner at the byte limit (the long turns).
        sizes = [b - a for a, b in zip(reader._firsts, reader._firsts[1:], strict=False)]
        assert max(sizes) == stored.BLOCK_TURNS and min(sizes) < stored.BLOCK_TURNS


def test_a_returned_dict_is_the_callers_own(tmp_path):
    whoosh_ext.apply()
    docs = _docs()
    _build(str(tmp_path), docs)
    with index.open_dir(str(tmp_path)).searcher() as searcher:
        searcher.stored_fields(0)["body"] = "changed"
        assert searcher.stored_fields(0) == _expected(docs[0])


def test_smaller_than_whoosh_and_whoosh_indexes_still_read(tmp_path):
    docs = _docs()
    stock_folder, ours_folder = tmp_path / "stock", tmp_path / "ours"
    stock_folder.mkdir()
    ours_folder.mkdir()
    stock_size = in_stock_whoosh("tests.test_stored.build_stock", str(stock_folder), docs)
    whoosh_ext.apply()
    _build(str(ours_folder), docs)
    assert stored_bytes(str(ours_folder)) < stock_size
    # An index whose stored fields Whoosh wrote (schema 14 and older) reads as before.
    with index.open_dir(str(stock_folder)).searcher() as searcher:
        perdoc = searcher.reader()._perdoc
        reader = perdoc._cached_reader("_stored", stored.BlockStoredColumn())
        assert not isinstance(reader, stored._Reader)
        assert [searcher.stored_fields(d) for d in range(len(docs))] == [
            _expected(doc) for doc in docs
        ]
