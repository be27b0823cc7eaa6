"""The term pool hands Whoosh the same postings, in the same order, as Whoosh's own pool."""

from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from indexer import whoosh_ext
from indexer.parsing.parser import parse_transcript
from indexer.schema import make_schema
from indexer.storage.documents import turn_documents
from indexer.whoosh_ext.pool import TermPool
from indexer.whoosh_ext.writer import segment_writer
from tests.stock import in_stock_whoosh


def _postings(seed_text):
    schema = make_schema()
    docs = turn_documents(parse_transcript(seed_text, "seed"))
    items = []
    for docnum, doc in enumerate(docs * 3):
        for name, value in doc.items():
            field = schema[name]
            if field.indexed and isinstance(value, str):
                for btext, _freq, weight, vbytes in field.index(value):
                    items.append((name, btext, docnum, weight, vbytes))
    return items


def test_pool_sorts_postings_with_and_without_runs_on_disk(seed_text, tmp_path):
    items = _postings(seed_text)
    expected = sorted(items, key=lambda item: item[:3])
    for limit in (1 << 30, 20_000):  # all in memory; then a run every few documents
        pool = TermPool(FileStorage(str(tmp_path)).create(), None)
        pool.limit = limit
        for item in items:
            pool.add(item)
        assert list(pool.iter_postings()) == expected
        assert bool(pool._runs) == (limit == 20_000)
        pool.cleanup()


def test_an_index_written_through_it_reads_like_whoosh_own(seed_text, tmp_path):
    """Ours is written and read here (the extension applied); Whoosh's own index is written
    and read by unpatched Whoosh in another process. The same terms, postings (documents,
    weights, values), blocks and statistics; only a positions block's values are kept in one
    pickled bytes object (`fixes._mini_values`), which unpatched Whoosh would not read."""
    whoosh_ext.apply()
    docs = turn_documents(parse_transcript(seed_text, "seed"))
    ours = tmp_path / "ours"
    ours.mkdir()
    ix = whoosh_index.create_in(str(ours), make_schema())
    writer = segment_writer(ix, 1)
    for doc in docs * 40:  # terms of several blocks
        writer.add_document(**doc)
    writer.commit()
    whoosh = in_stock_whoosh("tests.test_pool.write_and_read", str(tmp_path / "theirs"), docs)
    mine = read_postings(str(ours))
    assert mine["terms"] == whoosh["terms"] and whoosh["terms"]
    for key in ("raw", "blocks", "stats"):
        assert mine[key] == whoosh[key], key
    # The turn text's blocks hold their positions as one bytes object; Whoosh's, a tuple.
    reader = whoosh_index.open_dir(str(ours)).reader()
    assert _first_block_values(reader, "text") is bytes
    assert whoosh["text_values"] is tuple


def write_and_read(theirs: str, docs: list[dict]) -> dict:
    """(In unpatched Whoosh) write the documents with Whoosh's own writer, then read them."""
    Path(theirs).mkdir()
    ix = whoosh_index.create_in(theirs, make_schema())
    with ix.writer() as writer:
        for doc in docs * 40:
            writer.add_document(**doc)
    found = read_postings(theirs)
    found["text_values"] = _first_block_values(whoosh_index.open_dir(theirs).reader(), "text")
    return found


def read_postings(folder: str) -> dict:
    reader = whoosh_index.open_dir(folder).reader()
    terms = list(reader.all_terms())
    stats = ("weight", "doc_frequency", "min_length", "max_length", "max_weight", "min_id")
    return {
        "terms": terms,
        "raw": [_raw(reader.postings(f, b)) for f, b in terms],
        "blocks": [_blocks(reader, f, b) for f, b in terms],
        "stats": [[getattr(reader.term_info(f, b), s)() for s in stats] for f, b in terms],
    }


def _first_block_values(reader, fieldname: str) -> type:
    """The type of the values in the first written (not inlined) block of the field."""
    for f, btext in reader.all_terms():
        if f == fieldname and reader.doc_frequency(f, btext) > 1:
            matcher = reader._terms.matcher(f, btext, reader.schema[f].format)
            matcher._read_data()
            return type(matcher._data[2])
    raise AssertionError(f"no block in {fieldname}")


def _raw(matcher):
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight(), matcher.value()))
        matcher.next()
    return found


def _blocks(reader, fieldname, btext):
    """Each posting block's size, last document, top weight and length range."""
    matcher = reader._terms.matcher(fieldname, btext, reader.schema[fieldname].format)
    found = []
    while matcher.is_active():
        found.append(
            (
                matcher._blocklength,
                matcher.block_max_id(),
                matcher.block_max_weight(),
                matcher.block_min_length(),
                matcher.block_max_length(),
            )
        )
        matcher._next_block()
    return found
