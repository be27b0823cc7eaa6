"""Saved searches and alerts: "tell me when a new transcript mentions X".

Saved searches live in `watches.toml` in the corpus folder (they travel with it, and a
rebuilt index keeps them), one `[[watch]]` table each: `name`, `query` and any of the
search filters, plus `last_run` (written by `remarks watch run`). After `remarks index` or
`remarks add`, only the turns that run added or changed are matched against every saved
search — a percolator: each saved query's matcher skips straight to those turns, so the cost
grows with the new turns and the number of watches, not with the size of the index.
"""

import json
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path

from indexer.errors import CorpusError, UsageError
from searcher.hits import TurnRecord, record_from_fields
from searcher.query import (
    Filters,
    QueryBudget,
    check_filters,
    clean_query,
    make_filter,
    parse_query,
)
from searcher.search import SearchResult, search, term_weights
from searcher.session import TurnIndex
from searcher.snippets import make_snippet

WATCHES_FILE = "watches.toml"
NAME_RE = re.compile(r"^[\w][\w .-]{0,79}$")
FILTERS = [f.name for f in fields(Filters)]
RUN_LIMIT = 100


@dataclass(frozen=True)
class Watch:
    """A saved search: a name, a query and filters."""

    name: str
    query: str
    filters: Filters = field(default_factory=Filters)
    last_run: str | None = None

    def to_json(self) -> dict:
        data = {"name": self.name, "query": self.query}
        data |= {k: v for k, v in vars(self.filters).items() if v}
        if self.last_run:
            data["last_run"] = self.last_run
        return data


@dataclass(frozen=True)
class Alert:
    """A saved search's new hits from one index run."""

    watch: str
    hits: list[TurnRecord]

    def to_json(self) -> dict:
        return {
            "watch": self.watch,
            "hits": [
                {
                    "turn_id": h.turn_id,
                    "speaker": h.speaker,
                    "role": h.role,
                    "date": h.date,
                    "title": h.title,
                    "snippet": h.snippet,
                }
                for h in self.hits
            ],
        }


class WatchBook:
    """The saved searches of a corpus folder, read from and written to `watches.toml`."""

    def __init__(self, corpus: Path) -> None:
        self.path = Path(corpus) / WATCHES_FILE
        self.watches: dict[str, Watch] = {}
        if self.path.is_file():
            self._read()

    def _read(self) -> None:
        hint = f"Fix {self.path} (see README: Saved searches), or remove the broken watch."
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise CorpusError(f"{self.path} is not valid TOML: {exc}.", hint) from None
        for i, entry in enumerate(data.get("watch", []), start=1):
            if not isinstance(entry, dict) or not entry.get("name") or "query" not in entry:
                raise CorpusError(f"Watch {i} in {self.path} needs a name and a query.", hint)
            unknown = set(entry) - {"name", "query", "last_run", *FILTERS}
            if unknown:
                raise CorpusError(
                    f"Watch {entry['name']!r} in {self.path} has unknown keys: "
                    f"{', '.join(sorted(unknown))}.",
                    f"Use name, query, last_run and {', '.join(FILTERS)}.",
                )
            filters = Filters(**{k: _filter_value(k, entry[k]) for k in FILTERS if entry.get(k)})
            watch = Watch(str(entry["name"]), str(entry["query"]), filters, entry.get("last_run"))
            self.watches[watch.name] = watch

    def __iter__(self):
        return iter(self.watches.values())

    def __len__(self) -> int:
        return len(self.watches)

    def get(self, name: str) -> Watch:
        if name not in self.watches:
            known = ", ".join(self.watches) or "none yet"
            raise UsageError(
                f"There is no saved search {name!r}.",
                f"Saved searches: {known} (remarks watch list).",
            )
        return self.watches[name]

    def add(self, index: TurnIndex, watch: Watch) -> None:
        """Save a search after checking it: its name, its query, its filters."""
        if not NAME_RE.match(watch.name):
            raise UsageError(
                f"{watch.name!r} cannot name a saved search.",
                "Use letters, digits, spaces, dots, dashes or underscores (up to 80).",
            )
        if watch.name in self.watches:
            raise UsageError(
                f"There is already a saved search {watch.name!r}.",
                f"Choose another name, or remove it first: remarks watch remove {watch.name!r}.",
            )
        validate(index, watch)
        self.watches[watch.name] = watch
        self.save()

    def remove(self, name: str) -> Watch:
        watch = self.get(name)
        del self.watches[name]
        self.save()
        return watch

    def mark_run(self, name: str, when: date) -> None:
        self.watches[name] = replace(self.get(name), last_run=when.isoformat())
        self.save()

    def save(self) -> None:
        lines = [
            "# Saved searches (remarks watch add/list/remove/run). Each [[watch]] has a name, a",
            "# query and any of: " + ", ".join(FILTERS) + ".",
        ]
        for watch in self.watches.values():
            lines.append("")
            lines.append("[[watch]]")
            for key, value in watch.to_json().items():
                lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        tmp.replace(self.path)


def _filter_value(key: str, value):
    """A filter as the file gives it: text, or for `attr` a list of NAME=VALUE."""
    if key == "attr":
        return tuple(str(v) for v in (value if isinstance(value, list) else [value]))
    return str(value)


def validate(index: TurnIndex, watch: Watch) -> None:
    """Refuse a saved search whose query cannot be read or whose filters name nothing known."""
    text = clean_query(watch.query)
    if not text and not watch.filters:
        raise UsageError(
            "A saved search needs a query or a filter.", "Give the words to watch for."
        )
    check_filters(index, watch.filters)
    make_filter(watch.filters, index.analyzers)
    parse_query(index.parser, text, QueryBudget(query=text))


def percolate(index: TurnIndex, book: WatchBook, turn_ids: list[str]) -> list[Alert]:
    """Match only the given turns (those an index run added or changed) against every
    saved search; return each search's hits among them, in corpus order."""
    if not turn_ids or not len(book):
        return []
    searcher = index.searcher
    docnums = sorted(index.turn_documents(turn_ids).values())
    turns = {d: _Terms(index, searcher.stored_fields(d)) for d in docnums}
    present = set().union(*(t.all for t in turns.values()))
    alerts = []
    for watch in book:
        text = clean_query(watch.query)
        plain = _plain_terms(index, text) if text else None
        if plain is not None and not (plain[0] | plain[1]) & present:
            continue  # none of its words is in the new turns
        phrase = PHRASE_RE.fullmatch(text)
        if phrase and not _phrase_possible(index, phrase.group(1), present):
            continue  # a phrase needs every one of its words
        allowed = index.allowed_docs(make_filter(watch.filters, index.analyzers))
        candidates = [d for d in docnums if allowed is None or d in allowed]
        if not candidates:
            continue
        if not text:
            found, terms = candidates, {}
        elif plain is not None:
            # Plain words match a turn holding any of them, as the parser's OR of the
            # default fields would: no parse, no matchers, just the new turns' terms.
            stems, words = plain
            found = [d for d in candidates if turns[d].matches(stems, words)]
            terms = dict.fromkeys(stems, 1.0)
        else:
            parsed = parse_query(index.parser, text, QueryBudget(query=text))
            found = _matching(searcher, parsed, candidates)
            terms = term_weights(parsed, searcher)
        if found:
            alerts.append(Alert(watch.name, [_hit(index, d, terms) for d in found]))
    return alerts


class _Terms:
    """A new turn's terms in the fields a plain query searches: stems of its text and
    title, the words of its speaker's name."""

    def __init__(self, index: TurnIndex, stored: dict) -> None:
        text = f"{stored.get('text') or ''}\n{stored.get('title') or ''}"
        self.stems = {t.text for t in index.analyzers.text(text)}
        self.names = {t.text for t in index.analyzers.names(stored.get("speaker") or "")}
        self.all = self.stems | self.names

    def matches(self, stems: set[str], words: set[str]) -> bool:
        return bool(stems & self.stems or words & self.names)


PHRASE_RE = re.compile(r'"([^"*?~:^\[\]{}()+]+)"')


def _phrase_possible(index: TurnIndex, words: str, present: set[str]) -> bool:
    stems = {t.text for t in index.analyzers.text(words)}
    return stems <= present


def _plain_terms(index: TurnIndex, text: str) -> tuple[set[str], set[str]] | None:
    """The stems and name words of a query of plain words (None for any query syntax)."""
    if SYNTAX_RE.search(text):
        return None
    stems = {t.text for t in index.analyzers.text(text)}
    words = {t.text for t in index.analyzers.names(text)}
    return (stems, words) if stems or words else None


# Query syntax: quotes, wildcards, fuzzy words, fields, ranges, boosts, grouping, operators.
SYNTAX_RE = re.compile(r'["*?~:^\[\]{}()+]|\b(?:AND|OR|NOT)\b|(?:^|\s)-')


def _matching(searcher, parsed, candidates: list[int]) -> list[int]:
    """The candidates the query matches: its matcher skips from one candidate to the next."""
    matcher = parsed.matcher(searcher)
    found = []
    for docnum in candidates:
        if not matcher.is_active():
            break
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
            if not matcher.is_active():
                break
        if matcher.id() == docnum:
            found.append(docnum)
    return found


def _hit(index: TurnIndex, docnum: int, terms) -> TurnRecord:
    record = record_from_fields(index.searcher.stored_fields(docnum))
    snippet = make_snippet(record.text, terms, analyzer=index.analyzers.text)
    return replace(record, snippet=snippet.text, highlights=snippet.highlights)


def run_watch(index: TurnIndex, watch: Watch, since: str | None) -> SearchResult:
    """A saved search's hits since a date (or since it was last run; else all), newest first."""
    start = since or watch.last_run
    filters = watch.filters
    if start:
        filters = replace(filters, since=max(filter(None, [filters.since, start])))
    return search(index, watch.query, filters, limit=RUN_LIMIT, sort="-date")


def result_filters(watch: Watch, since: str | None) -> Filters:
    """The filters `run_watch` applies (for saying what was searched)."""
    start = since or watch.last_run
    return replace(watch.filters, since=start) if start else watch.filters


def check_watches(index_dir: Path, corpus: Path, turn_ids: list[str]) -> list[Alert]:
    """The saved searches of `corpus` matched against the turns an index run added or
    changed (none when there are no saved searches or no new turns)."""
    if not turn_ids:
        return []
    book = WatchBook(corpus)
    if not len(book):
        return []
    index = TurnIndex(index_dir)
    try:
        return percolate(index, book, turn_ids)
    finally:
        index.close()
