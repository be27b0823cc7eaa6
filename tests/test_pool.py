"""The term pool hands Whoosh the same postings, in the same order, as Whoosh's own pool."""

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from indexer.documents import turn_documents
from indexer.parser import parse_transcript
from indexer.pool import TermPool
from indexer.schema import make_schema
from indexer.writer import segment_writer


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
    docs = turn_documents(parse_transcript(seed_text, "seed"))
    readers = []
    for name, make in (
        ("ours", lambda ix: segment_writer(ix, 1)),
        ("theirs", lambda ix: ix.writer()),
    ):
        folder = tmp_path / name
        folder.mkdir()
        ix = whoosh_index.create_in(str(folder), make_schema())
        writer = make(ix)
        for doc in docs * 40:  # terms of several blocks
            writer.add_document(**doc)
        writer.commit()
        readers.append(ix.reader())
    ours, theirs = readers
    terms = list(theirs.all_terms())
    assert list(ours.all_terms()) == terms
    for fieldname, btext in terms:
        assert _raw(ours.postings(fieldname, btext)) == _raw(theirs.postings(fieldname, btext))
        assert _blocks(ours, fieldname, btext) == _blocks(theirs, fieldname, btext)
        mine, whoosh = ours.term_info(fieldname, btext), theirs.term_info(fieldname, btext)
        stats = ("weight", "doc_frequency", "min_length", "max_length", "max_weight", "min_id")
        assert [getattr(mine, s)() for s in stats] == [getattr(whoosh, s)() for s in stats]


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
