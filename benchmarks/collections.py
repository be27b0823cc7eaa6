"""Test collections for the ranking benchmark: documents, queries and graded judgments."""

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import ir_measures

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpora"
TRANSCRIPT_SET = ROOT / "tests" / "relevance"


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Collection:
    name: str
    docs: list[Doc]
    queries: dict[str, str]
    qrels: list  # ir_measures.Qrel


def load(name: str) -> Collection:
    """Load `cranfield` or `cisi` from ../shared/corpora (only queries that have judgments)."""
    folder = SHARED / name
    docs = []
    for line in (folder / "docs.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        docs.append(Doc(str(d["id"]), d.get("title", "").strip(), d.get("text", "").strip()))
    qrels = [
        q
        for q in ir_measures.read_trec_qrels(str(folder / "qrels.trec"))
        if q.relevance > 0 or name == "cranfield"
    ]
    judged = {q.query_id for q in qrels if q.relevance > 0}
    queries = {}
    with (folder / "queries.tsv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["query_id"] in judged:
                queries[row["query_id"]] = " ".join(row["text"].split())
    return Collection(name, docs, queries, qrels)


def load_transcript_set() -> tuple[dict[str, str], list]:
    """Load the judged transcript queries of tests/relevance: queries and graded qrels."""
    queries = {}
    with (TRANSCRIPT_SET / "queries.tsv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            queries[row["query_id"]] = row["text"]
    qrels = list(ir_measures.read_trec_qrels(str(TRANSCRIPT_SET / "qrels.trec")))
    return queries, qrels
