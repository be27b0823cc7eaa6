"""A fast model of remarks' ranking, for exploring ranking ideas on every collection at once.

    python -m benchmarks.ranking_lab [--collections ...]

It tokenises each collection with remarks' own analyzer (the index's stop list, Snowball
stems), keeps per-field postings in memory, and scores a query as `searcher/ranking.py`
does (per-field BM25 with BM25's idf, field weights, query-term frequency, function words
dropped from long queries, the all-words bonus), in a few milliseconds instead of a Whoosh
search. Variants (k1, b, title use, stop handling, length prior, pseudo-relevance feedback)
are options of `LabConfig`. The lab only proposes: every choice is then measured through the
real engine (`python -m benchmarks.loco`, `python -m benchmarks.relevance`), and the lab's
figure for the current defaults is printed beside the engine's so a drift shows.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from math import log

import numpy as np

from benchmarks.collections import ROOT, Collection, load
from benchmarks.relevance import ALL, score
from indexer.analysis import STOP_WORDS, TextAnalyzer, fold
from searcher.ranking import QUERY_STOP_WORDS

FIELDS = ("text", "title", "speaker_name")
RESULTS = ROOT / "benchmarks" / "results" / "ranking_lab.json"


@dataclass(frozen=True)
class LabConfig:
    k1: float = 1.6
    b: float = 0.75
    b_title: float | None = None  # None: same as b
    weights: dict[str, float] = field(
        default_factory=lambda: {"text": 1.0, "speaker_name": 0.5, "title": 0.6}
    )
    merge_title: float = 0.0  # >0: score title words as part of the text with this weight (BM25F)
    long_query_words: int = 8  # drop function words from queries this long (0: never)
    qtf: str = "linear"  # linear | once | saturated
    k3: float = 1.0  # saturation of query-term frequency when qtf == "saturated"
    all_words: float = 0.5
    # pseudo-relevance feedback (RM3-like): expand with `prf_terms` terms from the top
    # `prf_docs` documents, mixed with weight `prf_weight`, for queries of at least
    # `prf_min_words` content words.
    prf_docs: int = 0
    prf_terms: int = 10
    prf_weight: float = 0.3
    prf_min_words: int = 0
    # Documents shorter than `short` terms (text) get their score scaled by (len/short)^short_power.
    short: int = 0
    short_power: float = 0.5
    # Length normalisation against a pivot: "avg" (BM25), or a floor on dl/avgdl.
    min_norm_length: float = 0.0


class Lab:
    """One collection, tokenised once, scored under any LabConfig."""

    def __init__(self, collection: Collection, speakers: dict[str, str] | None = None) -> None:
        self.collection = collection
        self.analyzer = TextAnalyzer(STOP_WORDS)
        self.names = TextAnalyzer((), stemming=False)
        self.ids = [d.id for d in collection.docs]
        self.n = len(self.ids)
        self.postings: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
        self.lengths: dict[str, np.ndarray] = {}
        self.doc_terms: list[Counter] = []
        speakers = speakers or {}
        per_field: dict[str, dict[str, dict[int, int]]] = {f: defaultdict(dict) for f in FIELDS}
        lengths = {f: np.zeros(self.n) for f in FIELDS}
        for i, d in enumerate(collection.docs):
            values = {
                "text": d.text or d.title or "(empty)",
                "title": d.title or d.id,
                "speaker_name": speakers.get(d.id, ""),
            }
            for f, value in values.items():
                analyzer = self.names if f == "speaker_name" else self.analyzer
                counts = Counter(t.text for t in analyzer(value))
                lengths[f][i] = sum(counts.values())
                for term, tf in counts.items():
                    per_field[f][term][i] = tf
                if f == "text":
                    self.doc_terms.append(counts)
        for f in FIELDS:
            self.postings[f] = {
                t: (np.fromiter(p.keys(), int), np.fromiter(p.values(), float))
                for t, p in per_field[f].items()
            }
            self.lengths[f] = lengths[f]
        self.avg = {f: max(self.lengths[f].mean(), 1e-9) for f in FIELDS}

    def idf(self, f: str, term: str) -> float:
        p = self.postings[f].get(term)
        df = len(p[0]) if p else 0
        return log(1 + (self.n - df + 0.5) / (df + 0.5))

    def query_terms(self, text: str, c: LabConfig) -> tuple[Counter, Counter, list[str]]:
        words = [fold(w.lower()) for w in (t.text for t in self.names(text))]
        if c.long_query_words and len(words) >= c.long_query_words:
            kept = [w for w in words if w not in QUERY_STOP_WORDS]
            words = kept or words
        stems = Counter()
        for w in words:
            for t in self.analyzer(w):
                stems[t.text] += 1
        names = Counter(words)
        content = [w for w in dict.fromkeys(words) if w not in QUERY_STOP_WORDS]
        content_stems = list(dict.fromkeys(t.text for w in content for t in self.analyzer(w)))
        if c.qtf == "once":
            stems = Counter(dict.fromkeys(stems, 1))
            names = Counter(dict.fromkeys(names, 1))
        elif c.qtf == "saturated":
            stems = Counter({t: n * (c.k3 + 1) / (n + c.k3) for t, n in stems.items()})
        return stems, names, content_stems

    def field_scores(self, f: str, term: str, c: LabConfig, boost: float) -> tuple | None:
        p = self.postings[f].get(term)
        if not p:
            return None
        ids, tf = p
        b = c.b if f != "title" or c.b_title is None else c.b_title
        norm = self.lengths[f][ids] / self.avg[f]
        if c.min_norm_length:
            norm = np.maximum(norm, c.min_norm_length)
        s = self.idf(f, term) * tf * (c.k1 + 1) / (tf + c.k1 * (1 - b + b * norm))
        return ids, boost * s

    def merged_scores(self, term: str, c: LabConfig, boost: float, w: float):
        pt, ph = self.postings["text"].get(term), self.postings["title"].get(term)
        tf = np.zeros(self.n)
        if pt:
            tf[pt[0]] += pt[1]
        if ph:
            tf[ph[0]] += w * ph[1]
        ids = np.nonzero(tf)[0]
        if not len(ids):
            return None
        df = len(ids)
        idf = log(1 + (self.n - df + 0.5) / (df + 0.5))
        dl = self.lengths["text"][ids] + w * self.lengths["title"][ids]
        avg = (self.lengths["text"] + w * self.lengths["title"]).mean()
        norm = dl / avg
        t = tf[ids]
        return ids, boost * idf * t * (c.k1 + 1) / (t + c.k1 * (1 - c.b + c.b * norm))

    def scores(self, stems: Counter, names: Counter, content: list[str], c: LabConfig):
        total = np.zeros(self.n)
        matched = np.zeros(self.n, bool)
        text_part = {}
        for term, qtf in stems.items():
            if c.merge_title:
                r = self.merged_scores(term, c, qtf, c.merge_title)
                if r:
                    total[r[0]] += r[1]
                    matched[r[0]] = True
                    text_part[term] = r
            else:
                for f in ("text", "title"):
                    r = self.field_scores(f, term, c, qtf * c.weights.get(f, 0))
                    if r:
                        total[r[0]] += r[1]
                        matched[r[0]] = True
                        if f == "text":
                            text_part[term] = r
        for name, qtf in names.items():
            r = self.field_scores("speaker_name", name, c, qtf * c.weights.get("speaker_name", 0))
            if r and c.weights.get("speaker_name"):
                total[r[0]] += r[1]
                matched[r[0]] = True
        if c.all_words and len(content) >= 2:
            has = np.ones(self.n, bool)
            extra = np.zeros(self.n)
            for term in content:
                r = self.field_scores("text", term, replace(c, min_norm_length=0), 1.0)
                if not r:
                    has[:] = False
                    break
                mask = np.zeros(self.n, bool)
                mask[r[0]] = True
                has &= mask
                extra[r[0]] += r[1]
            total += c.all_words * np.where(has, extra, 0)
        if c.short:
            ratio = np.minimum(1.0, self.lengths["text"] / c.short)
            total *= ratio**c.short_power
        total[~matched] = 0
        return total

    def rank(self, text: str, c: LabConfig, depth: int = 1000) -> dict[str, float]:
        stems, names, content = self.query_terms(text, c)
        total = self.scores(stems, names, content, c)
        if c.prf_docs and len(content) >= c.prf_min_words:
            top = np.argsort(-total, kind="stable")[: c.prf_docs]
            top = [i for i in top if total[i] > 0]
            if top:
                weights = Counter()
                for i in top:
                    counts = self.doc_terms[i]
                    size = sum(counts.values()) or 1
                    for term, tf in counts.items():
                        weights[term] += tf / size * self.idf("text", term)
                q_total = sum(stems.values())
                expanded = Counter({t: (1 - c.prf_weight) * n / q_total for t, n in stems.items()})
                best = weights.most_common(c.prf_terms)
                norm = sum(w for _, w in best) or 1
                for term, w in best:
                    expanded[term] += c.prf_weight * w / norm
                total = self.scores(expanded, names, content, c)
        order = np.argsort(-total, kind="stable")[:depth]
        return {self.ids[i]: float(total[i]) for i in order if total[i] > 0}

    def evaluate(self, c: LabConfig) -> dict[str, float]:
        run = {qid: self.rank(text, c) for qid, text in self.collection.queries.items()}
        return score(self.collection.qrels, run)


def transcript_lab() -> Lab:
    from benchmarks.collections import Doc, load_transcript_set
    from indexer.parsing.reading import find_transcripts, read_transcript

    corpus = ROOT / "corpus"
    docs, speakers = [], {}
    for path in find_transcripts(corpus):
        t = read_transcript(path, corpus)
        for turn in t.turns:
            docs.append(Doc(t.turn_id(turn), t.title, turn.text))
            speakers[t.turn_id(turn)] = turn.speaker or ""
    queries, qrels = load_transcript_set()
    return Lab(Collection("transcripts", docs, queries, qrels), speakers)


def labs(names=ALL) -> dict[str, Lab]:
    return {n: transcript_lab() if n == "transcripts" else Lab(load(n)) for n in names}


def variants() -> dict[str, LabConfig]:
    """One idea at a time, from the defaults of before issue 16 and from the chosen ones."""
    before = LabConfig()
    after = LabConfig(k1=1.2, b=0.9, merge_title=3.0, short=5, qtf="saturated", k3=8)
    title = {"text": 1.0, "speaker_name": 0.5}
    found = {"before issue 16": before}
    found |= {f"k1={k1}": replace(before, k1=k1) for k1 in (0.9, 1.2, 1.5)}
    found |= {f"b={b}": replace(before, b=b) for b in (0.5, 0.65, 0.85)}
    found |= {
        f"title weight {w} (own field)": replace(before, weights={**title, "title": w})
        for w in (0.0, 0.3, 1.0)
    }
    found |= {
        f"title with text, weight {w}": replace(before, merge_title=w) for w in (1.0, 2.0, 3.0)
    }
    found["query words once"] = replace(before, qtf="once")
    found["query words saturated (k3=1)"] = replace(before, qtf="saturated")
    found["function words kept in long queries"] = replace(before, long_query_words=0)
    found["function words dropped from 4 words"] = replace(before, long_query_words=4)
    found["no all-words bonus"] = replace(before, all_words=0)
    found["short turns (<10 words) weigh less"] = replace(before, short=10)
    found["chosen (issue 16)"] = after
    found |= {
        f"chosen + PRF docs={d} terms={t} weight={w}": replace(
            after, prf_docs=d, prf_terms=t, prf_weight=w
        )
        for d, t, w in ((3, 10, 0.2), (10, 10, 0.1), (10, 20, 0.3))
    }
    found["chosen + PRF for queries of 8+ content words"] = replace(
        after, prf_docs=10, prf_terms=10, prf_weight=0.2, prf_min_words=8
    )
    found["chosen, title in its own field (0.6, b=0.3)"] = replace(
        after, merge_title=0.0, weights={**title, "title": 0.6}, b_title=0.3
    )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", nargs="+", default=ALL)
    args = parser.parse_args()
    opened = labs(args.collections)
    results = {}
    print(f"{'':<46}" + " ".join(f"{n[:7]:>7}" for n in opened))
    for label, config in variants().items():
        results[label] = {n: lab.evaluate(config) for n, lab in opened.items()}
        print(f"{label:<46}" + " ".join(f"{results[label][n]['nDCG@10']:>7.4f}" for n in opened))
    RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"saved {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
