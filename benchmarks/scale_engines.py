"""The engines of benchmarks/scale.py: one build and one search function each.

Each runs in its own process (see scale.CHILD) on a folder holding `corpus/` (transcript
files), `turns.jsonl` (the same turns, parsed) and `queries.json`.
"""

import json
import re
import sqlite3
import time
from datetime import datetime
from pathlib import Path

WORD_RE = re.compile(r"\w+")


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _queries(folder: Path) -> list[dict]:
    """The workload's queries: {"words": [...], "phrase": bool, "all": bool, "filters": {}}
    (all: every word required; otherwise any word; phrase: the words in a row)."""
    return json.loads((Path(folder) / "queries.json").read_text())


def remarks_text(query: dict) -> str:
    """A query in remarks's syntax (and stock Whoosh's: the same parser grammar)."""
    words = query["words"]
    if query["phrase"]:
        return '"' + " ".join(words) + '"'
    return " AND ".join(words) if query["all"] else " ".join(words)


def _turns(folder: Path):
    for line in (Path(folder) / "turns.jsonl").open(encoding="utf-8"):
        yield json.loads(line)


# remarks: the real code paths, `remarks index` and `remarks search`.


def build_remarks(folder: str, name: str = "remarks", workers: int | None = None) -> dict:
    from indexer.building.build import index_corpus

    folder = Path(folder)
    report = index_corpus(folder / "corpus", folder / name, workers=workers)
    return {"turns": report.turns, "index_bytes": _size(folder / name)}


def search_remarks(folder: str, name: str = "remarks") -> dict:
    from searcher.query import Filters
    from searcher.search import search
    from searcher.session import TurnIndex

    latencies = []
    with TurnIndex(Path(folder) / name) as turns:
        for query in _queries(folder):
            started = time.perf_counter()
            result = search(turns, remarks_text(query), Filters(**query["filters"]), limit=10)
            _ = [h.snippet for h in result.hits]
            latencies.append((time.perf_counter() - started) * 1000)
    return {"latencies_ms": latencies}


# remarks on one core (`remarks index --workers 1`): the build's efficiency per core.


def build_remarks_1worker(folder: str) -> dict:
    return build_remarks(folder, "remarks-1worker", workers=1)


def search_remarks_1worker(folder: str) -> dict:
    return search_remarks(folder, "remarks-1worker")


# Stock Whoosh: StemmingAnalyzer, default settings, one writer, its own highlighter.


def build_whoosh_stock(folder: str) -> dict:
    from whoosh import index
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import DATETIME, ID, TEXT, Schema

    folder = Path(folder)
    target = folder / "whoosh-stock"
    target.mkdir()
    schema = Schema(
        speaker=ID(stored=True),
        speaker_t=TEXT(),
        title=TEXT(stored=True),
        date=DATETIME(stored=True),
        text=TEXT(analyzer=StemmingAnalyzer(), stored=True),
    )
    ix = index.create_in(str(target), schema)
    n = 0
    with ix.writer() as w:
        for turn in _turns(folder):
            w.add_document(
                speaker=turn["speaker"],
                speaker_t=turn["speaker"],
                title=turn["title"],
                date=_date(turn["date"]),
                text=turn["text"],
            )
            n += 1
    return {"turns": n, "index_bytes": _size(target)}


def search_whoosh_stock(folder: str) -> dict:
    from whoosh import index
    from whoosh import query as q
    from whoosh.qparser import OrGroup, QueryParser

    ix = index.open_dir(str(Path(folder) / "whoosh-stock"))
    parser = QueryParser("text", ix.schema, group=OrGroup)
    names = ix.schema["speaker_t"].analyzer
    latencies = []
    with ix.searcher() as s:
        for query in _queries(folder):
            started = time.perf_counter()
            text, filters = remarks_text(query), query["filters"]
            parts: list = []
            if "speaker" in filters:
                parts += [q.Term("speaker_t", t.text) for t in names(filters["speaker"])]
            if "since" in filters:
                parts.append(
                    q.DateRange(
                        "date",
                        datetime(int(filters["since"]), 1, 1),
                        datetime(int(filters["until"]), 12, 31),
                    )
                )
            hits = s.search(parser.parse(text), limit=10, filter=q.And(parts) if parts else None)
            _ = [h.highlights("text") for h in hits]
            latencies.append((time.perf_counter() - started) * 1000)
    return {"latencies_ms": latencies}


def _date(text: str):
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


# SQLite FTS5: porter unicode61, bm25(), snippet().


def build_sqlite_fts5(folder: str) -> dict:
    folder = Path(folder)
    target = folder / "sqlite-fts5"
    target.mkdir()
    db = sqlite3.connect(target / "fts.db")
    db.execute(
        "CREATE VIRTUAL TABLE d USING fts5(speaker, title, text, date UNINDEXED, "
        "tokenize='porter unicode61')"
    )
    rows = [(t["speaker"], t["title"], t["text"], t["date"]) for t in _turns(folder)]
    db.executemany("INSERT INTO d VALUES (?, ?, ?, ?)", rows)
    db.commit()
    db.close()
    return {"turns": len(rows), "index_bytes": _size(target)}


def search_sqlite_fts5(folder: str) -> dict:
    db = sqlite3.connect(Path(folder) / "sqlite-fts5" / "fts.db")
    latencies = []
    for query in _queries(folder):
        started = time.perf_counter()
        words, filters = query["words"], query["filters"]
        if query["phrase"]:
            match = 'text: "' + " ".join(words) + '"'
        else:
            joiner = " AND " if query["all"] else " OR "
            match = "text: (" + joiner.join(f'"{w}"' for w in words) + ")"
        if "speaker" in filters:
            match = f'({match}) AND speaker: "{filters["speaker"]}"'
        sql = "SELECT speaker, snippet(d, 2, '[', ']', '…', 24) FROM d WHERE d MATCH ?"
        params: list = [match]
        if "since" in filters:
            sql += " AND date BETWEEN ? AND ?"
            params += [f"{filters['since']}-01-01", f"{filters['until']}-12-31"]
        db.execute(sql + " ORDER BY bm25(d) LIMIT 10", params).fetchall()
        latencies.append((time.perf_counter() - started) * 1000)
    return {"latencies_ms": latencies}


# tantivy: its en_stem tokenizer, BM25, its snippet generator; one writer thread per core.


def build_tantivy(folder: str) -> dict:
    import tantivy

    folder = Path(folder)
    target = folder / "tantivy"
    target.mkdir()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("speaker", stored=True, tokenizer_name="default")
    builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("text", stored=True, tokenizer_name="en_stem")
    builder.add_integer_field("year", indexed=True, fast=True, stored=True)
    index = tantivy.Index(builder.build(), path=str(target))
    writer = index.writer()
    n = 0
    for turn in _turns(folder):
        year = int(turn["date"][:4]) if turn["date"][:4].isdigit() else 0
        writer.add_document(
            tantivy.Document(
                speaker=turn["speaker"], title=turn["title"], text=turn["text"], year=year
            )
        )
        n += 1
    writer.commit()
    writer.wait_merging_threads()
    return {"turns": n, "index_bytes": _size(target)}


def search_tantivy(folder: str) -> dict:
    import tantivy

    index = tantivy.Index.open(str(Path(folder) / "tantivy"))
    index.reload()
    searcher = index.searcher()
    schema = index.schema
    latencies = []
    for query in _queries(folder):
        started = time.perf_counter()
        words, filters = [w.lower() for w in query["words"]], query["filters"]
        if query["phrase"]:
            text = 'text:"' + " ".join(words) + '"'
        else:
            text = " ".join(("+" if query["all"] else "") + f"text:{w}" for w in words)
        if "speaker" in filters:
            text = f'+({text}) +speaker:"{filters["speaker"].lower()}"'
        if "since" in filters:
            text = f"+({text}) +year:[{filters['since']} TO {filters['until']}]"
        parsed = index.parse_query(text, ["text"])
        hits = searcher.search(parsed, 10).hits
        snippets = tantivy.SnippetGenerator.create(searcher, parsed, schema, "text")
        _ = [snippets.snippet_from_doc(searcher.doc(address)).to_html() for _, address in hits]
        latencies.append((time.perf_counter() - started) * 1000)
    return {"latencies_ms": latencies}
