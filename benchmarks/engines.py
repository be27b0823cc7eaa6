"""Engines ranked side by side: remarks itself and four peers, each fed the same documents.

remarks goes through its own code: each document becomes a transcript file (title line, then
the text, which the parser keeps as one unattributed turn), `index_corpus()` indexes the
folder and `search()` answers each query, exactly as `remarks index` and `remarks search` do.
"""

import re
import sqlite3
import tempfile
from pathlib import Path

from benchmarks.collections import Doc

Run = dict[str, dict[str, float]]
DEPTH = 1000
WORD_RE = re.compile(r"\w+")


def remarks_index(docs: list[Doc], folder: Path, stop_words: frozenset[str] | None = None) -> Path:
    """Write the documents as transcripts and index them with remarks; return the index."""
    from indexer.building.build import index_corpus

    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    for doc in docs:
        body = doc.text or doc.title or "(empty)"
        text = f"{doc.title or doc.id}\n\n{body}\n"
        (corpus / f"{doc.id}.txt").write_text(text, encoding="utf-8")
    index = folder / "index"
    index_corpus(corpus, index, stop_words=stop_words)
    return index


def remarks_run(index: Path, queries: dict[str, str], ranking=None, by="transcript") -> Run:
    """Run the queries through `search()`; rank documents (transcripts) or turns."""
    from searcher.ranking import DEFAULT
    from searcher.search import search
    from searcher.session import TurnIndex

    run: Run = {}
    with TurnIndex(index, ranking or DEFAULT) as turns:
        for qid, text in queries.items():
            result = search(turns, text, limit=DEPTH, snippets=False)
            scores: dict[str, float] = {}
            for hit in result.hits:
                scores.setdefault(getattr(hit, by), hit.score)
            run[qid] = scores
    return run


def whoosh_stock_run(docs: list[Doc], queries: dict[str, str]) -> Run:
    """Whoosh as most projects use it: StemmingAnalyzer, BM25F defaults, OR of the words."""
    from whoosh import index as whoosh_index
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.qparser import OrGroup, QueryParser

    with tempfile.TemporaryDirectory() as tmp:
        schema = Schema(id=ID(stored=True), text=TEXT(analyzer=StemmingAnalyzer()))
        ix = whoosh_index.create_in(tmp, schema)
        with ix.writer() as w:
            for doc in docs:
                w.add_document(id=doc.id, text=f"{doc.title}\n{doc.text}")
        parser = QueryParser("text", schema, group=OrGroup)
        run: Run = {}
        with ix.searcher() as s:
            for qid, text in queries.items():
                words = " ".join(WORD_RE.findall(text))
                hits = s.search(parser.parse(words), limit=DEPTH)
                run[qid] = {h["id"]: float(h.score) for h in hits}
        return run


def tantivy_run(docs: list[Doc], queries: dict[str, str]) -> Run:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("text", tokenizer_name="en_stem")
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer()
    for doc in docs:
        writer.add_document(tantivy.Document(id=doc.id, text=f"{doc.title}\n{doc.text}"))
    writer.commit()
    index.reload()
    searcher = index.searcher()
    run: Run = {}
    for qid, text in queries.items():
        # Lower case: NPL's queries are in capitals, and AND, OR, IN are tantivy's syntax
        # (its en_stem tokenizer lower-cases anyway, so nothing else changes).
        words = " ".join(WORD_RE.findall(text.lower()))
        query = index.parse_query(words, ["text"])
        hits = searcher.search(query, DEPTH).hits
        run[qid] = {searcher.doc(addr)["id"][0]: float(score) for score, addr in hits}
    return run


def fts5_run(docs: list[Doc], queries: dict[str, str]) -> Run:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE d USING fts5(id UNINDEXED, text, tokenize='porter unicode61')")
    db.executemany("INSERT INTO d VALUES (?, ?)", [(d.id, f"{d.title}\n{d.text}") for d in docs])
    run: Run = {}
    for qid, text in queries.items():
        words = [w for w in WORD_RE.findall(text.lower()) if w not in ("and", "or", "not")]
        match = " OR ".join(f'"{w}"' for w in words)
        rows = db.execute(
            "SELECT id, bm25(d) FROM d WHERE d MATCH ? ORDER BY bm25(d) LIMIT ?", (match, DEPTH)
        ).fetchall()
        run[qid] = {doc_id: -score for doc_id, score in rows}
    return run


def bm25s_run(docs: list[Doc], queries: dict[str, str]) -> Run:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    corpus = [f"{d.title}\n{d.text}" for d in docs]
    retriever = bm25s.BM25()
    tokens = bm25s.tokenize(corpus, stopwords="en", stemmer=stemmer, show_progress=False)
    retriever.index(tokens, show_progress=False)
    run: Run = {}
    ids = [d.id for d in docs]
    for qid, text in queries.items():
        tokens = bm25s.tokenize([text], stopwords="en", stemmer=stemmer, show_progress=False)
        if not tokens.vocab:
            run[qid] = {}
            continue
        k = min(DEPTH, len(docs))
        results, scores = retriever.retrieve(tokens, k=k, show_progress=False)
        run[qid] = {ids[i]: float(s) for i, s in zip(results[0], scores[0], strict=True) if s > 0}
    return run
