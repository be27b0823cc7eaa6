"""The Whoosh features remarks relies on, on a real index: a switch of Whoosh fork must pass."""

import pickle

from whoosh import index as whoosh_index
from whoosh import query as q
from whoosh.qparser import QueryParser

from indexer.analysis import text_analyzer
from indexer.schema import make_schema


def _index(tmp_path, docs):
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    with ix.writer() as w:
        for d in docs:
            w.add_document(**d)
    return ix


def _doc(n, text, speaker="Ivan Petrov"):
    return {
        "turn_id": f"t:{n}",
        "transcript": "t",
        "title": "A meeting",
        "seq": n,
        "speaker": speaker,
        "speaker_name": speaker,
        "text": text,
        "exact": text,
    }


def test_analyzer_pickles_by_reference():
    assert pickle.loads(pickle.dumps(text_analyzer())) == text_analyzer()


def test_phrase_positions_and_columns(tmp_path):
    ix = _index(
        tmp_path,
        [_doc(1, "Early career guidance in schools."), _doc(2, "Guidance on careers.", "Anna Lee")],
    )
    with ix.searcher() as s:
        parser = QueryParser("text", ix.schema)
        # Phrases and scores from one field with positions (schema 14).
        hits = s.search(parser.parse('"career guidance"'))
        assert [h["turn_id"] for h in hits] == ["t:1"]
        # Stemming joins "career" and "careers"; the shorter turn ranks first under BM25.
        assert [h["turn_id"] for h in s.search(parser.parse("careers"))] == ["t:2", "t:1"]
        assert list(s.reader().column_reader("speaker")) == ["Ivan Petrov", "Anna Lee"]
        # Positions for phrases; no character offsets since schema 13 (nothing read them).
        matcher = q.Term("text", "guidanc").matcher(s)
        assert matcher.supports("positions") and not matcher.supports("characters")
        assert matcher.value_as("positions") == [2]  # "Early career guidance"
        assert not q.Term("exact", "guidance").matcher(s).supports("positions")


def test_files_in_a_compound_segment_are_read_from_the_map_not_copied():
    import io
    import pickle as pickle_module

    from whoosh.filedb.structfile import BufferFile

    from indexer.whoosh_ext.fixes import apply

    apply()
    data = b"line one\nline two\n" + pickle_module.dumps({"a": [1, 2, 3]}) + b"tail"
    f = BufferFile(memoryview(data))
    assert not isinstance(f.file, io.BytesIO)  # Whoosh's own copies the whole file
    assert f.readline() == b"line one\n"
    assert f.read(4) == b"line" and f.tell() == 13
    f.seek(18)
    assert f.read_pickle() == {"a": [1, 2, 3]}
    assert f.read() == b"tail" and f.read(10) == b""
    f.seek(-4, 2)
    assert f.read(2) == b"ta"
    assert f.get(5, 3) == b"one"
