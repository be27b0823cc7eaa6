"""Turn what a user types into a Whoosh query, leniently, and filters into a filter query.

The query language is Whoosh's: words, "phrases", OR, AND, NOT, prefix*, fuzzy~, and
field:value for speaker, role, title, topic, text and transcript. Plain words are OR-ed, so a
natural-language question still finds turns that lack one of its words; BM25F ranks turns
that match more of them higher. NOT excludes, whatever the grouping.
"""

import calendar
import difflib
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from whoosh import query as q
from whoosh.fields import ID
from whoosh.qparser import (
    FieldAliasPlugin,
    FuzzyTermPlugin,
    MultifieldParser,
    OrGroup,
)
from whoosh.qparser.dateparse import DateParserPlugin

from indexer.analysis import Analyzers, default_analyzers
from indexer.errors import QueryTooCostlyError, SearchCancelledError, UsageError
from indexer.ids import parse_turn_id
from indexer.schema import ATTR_SEPARATOR, PHRASE_FIELD, attribute_token
from indexer.whoosh_ext.expansion import StemmedFuzzyTerm, capped
from searcher.hits import column_text

MAX_QUERY_CHARS = 1000
FIELD_ALIASES = {"speaker_name": ["speaker", "who"], "topics": ["topic"], "turn_id": ["turn"]}
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A question mark is Whoosh's one-character wildcard only before a letter or digit ("wom?n",
# "?ood"); anywhere else it is punctuation: "pension?", "(MEDLARS)?", a lone "?".
QUESTION_MARK_RE = re.compile(r"\?+(?!\w)")
EARLIEST = datetime(1, 1, 1)
LATEST = datetime(9999, 12, 31, 23, 59, 59)
DATE_BOUND_RE = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?)?$")
# An equals sign before a word or a quote: the word or phrase exactly as written.
EXACT_RE = re.compile(r"(^|(?<=[\s(-]))=(?=\w|$)")
# A minus before a word, a quote or a bracket, at the start of a term: `robots -industry`.
MINUS_RE = re.compile(r"(^|(?<=[\s(]))-+(?=[\w\"(*])")
MAX_EXPANSIONS = 2000  # words all the wildcards, fuzzy words and ranges of a query expand to
MAX_FUZZY_EDITS = 2
SEARCH_SECONDS = 5.0


@dataclass
class QueryBudget:
    """How much one search may expand and how long it may run, and what it had to leave out.

    Wildcards, prefixes, fuzzy words and ranges share `max_expansions` words; past the
    deadline the search stops with `QueryTooCostlyError`. Caps that were hit are noted, and
    the result says it is partial.
    """

    max_expansions: int = MAX_EXPANSIONS
    seconds: float = SEARCH_SECONDS
    expanded: int = 0
    notes: list[str] = field(default_factory=list)
    query: str = ""

    cancel: threading.Event | None = None

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.seconds

    def check(self) -> None:
        """Stop the search if it was cancelled (its client went away) or has run past its
        deadline."""
        self.check_cancelled()
        if time.monotonic() > self.deadline:
            raise QueryTooCostlyError(
                f"The query {self.query!r} took longer than {self.seconds:g} s and was stopped.",
                "Make wildcards and fuzzy words more specific (more letters before * or ~), "
                "or add a filter.",
            )

    def check_cancelled(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise SearchCancelledError(
                f"The search for {self.query!r} was cancelled.", "Search again."
            )

    def take(self, pattern: str) -> bool:
        """Count one more expanded word for `pattern`; False once the budget is spent."""
        if self.expanded >= self.max_expansions:
            self.note(
                f"{pattern} matched too many words: the query searched the first "
                f"{self.max_expansions:,} words its wildcards, fuzzy words and ranges expand to"
            )
            return False
        self.expanded += 1
        return True

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    @property
    def partial(self) -> bool:
        return bool(self.notes)


@dataclass(frozen=True)
class Filters:
    """Restrictions on which turns a search returns.

    `speaker` matches names whose words start with the given words ("putin", "vlad put");
    `role` matches roles holding all the given words; `transcript` matches ids holding the
    given text. A value in double quotes matches exactly (speaker and role letter case aside):
    `'"Question 17"'` is not "Question 173". The page's facet and transcript links use that
    form, so a link gives exactly the turns its count counted.
    """

    speaker: str | None = None
    role: str | None = None
    topic: str | None = None
    transcript: str | None = None
    since: str | None = None
    until: str | None = None
    # Speaker attributes from the speaker table, each `name=value`: all must hold.
    attr: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return any(vars(self).values())


def clean_query(text: str) -> str:
    """Remove control characters, cap the length, and read a question mark that ends a word or
    stands alone as punctuation ("what is a pension?"), not as Whoosh's one-character
    wildcard."""
    text = CONTROL_RE.sub(" ", text or "")
    text = QUESTION_MARK_RE.sub(" ", text)
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def _minus_as_not(text: str) -> str:
    """`-word` outside quotes excludes, as `NOT word` does; `=word` and `="a phrase"` are
    `exact:word` and `exact:"a phrase"` (words as written, not stemmed)."""
    parts = text.split('"')
    for i in range(0, len(parts), 2):  # the unquoted stretches
        parts[i] = EXACT_RE.sub(lambda m: m.group(1) + "exact:", parts[i])
        parts[i] = MINUS_RE.sub(lambda m: m.group(1) + "NOT ", parts[i])
    return '"'.join(parts)


def as_written(text: str) -> str:
    """A query in capitals only ("SIMD AND MIMD MACHINES") is read in lower case: its AND,
    OR and NOT cannot be told from words, so they are words."""
    return text.lower() if not any(c.islower() for c in text) else text


def make_parser(schema, fields: dict[str, float]):
    """Return the parser for user queries, searching `fields` with their weights."""
    fields = {name: weight for name, weight in fields.items() if weight > 0}
    schema = _with_turn_ids(schema)
    parser = MultifieldParser(list(fields), schema, fieldboosts=fields, group=OrGroup)
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
    parser.add_plugin(DateParserPlugin(free=False))
    return parser


def _with_turn_ids(schema):
    """The schema the parser reads queries with. Turn ids are stored, not indexed (schema
    16), and Whoosh's parser knows only indexed fields: `turn:ID` is parsed as a word of
    an indexed `turn_id` here, then found by transcript and number (`_turn`)."""
    if "turn_id" not in schema or schema["turn_id"].indexed:
        return schema
    copy = schema.copy()
    copy.remove("turn_id")
    copy.add("turn_id", ID())
    return copy


def _turn(node: q.Term | q.Prefix | q.Wildcard) -> q.Query:
    """`turn:ID` as the turn's transcript and number; `turn:PATTERN*` (no colon) as the
    transcripts' ids matching the pattern."""
    text = node.text.decode("utf-8") if isinstance(node.text, bytes) else str(node.text)
    if isinstance(node, q.Term):
        parsed = parse_turn_id(text)
        if parsed is None:
            return q.NullQuery
        transcript, seq = parsed
        return q.And([q.Term("transcript", transcript), q.Term("seq", seq)], boost=node.boost)
    if ":" in text:
        return q.NullQuery
    return type(node)("transcript", text, boost=node.boost)


def parse_query(parser, text: str, budget: QueryBudget | None = None) -> q.Query:
    """Parse a query string cleaned by `clean_query`; never raises on malformed input (an
    inverted range is a `UsageError`). Expansions count against `budget`."""
    if not text:
        return q.NullQuery
    budget = budget or QueryBudget(query=text)
    _refuse_inverted_ranges(text)
    try:
        parsed = parser.parse(_minus_as_not(as_written(text)))
    except Exception:  # Whoosh's parser raises assorted errors on odd input ("NOT NOT x").
        words = re.sub(r"[^\w\s]", " ", text)
        words = re.sub(r"\b(AND|OR|NOT)\b", lambda m: m.group().lower(), words)
        try:
            parsed = parser.parse(words)
        except Exception:
            return q.NullQuery
    return _exact_phrases(_convertible(_tidy(parsed, budget), parser.schema), parser.schema)


def _exact_phrases(node: q.Query, schema) -> q.Query:
    """`exact:"Western brands"`: the phrase in the positions field (by stems), in turns that
    hold each of its words as written (the `exact` field keeps no positions)."""
    if isinstance(node, q.Phrase) and node.fieldname == "exact":
        words = [w for w in node.words if isinstance(w, str)]
        stems = [t.text for t in schema["text"].analyzer(" ".join(words))]
        exact = [t.text for t in schema["exact"].analyzer(" ".join(words))]
        parts: list[q.Query] = [q.Term("exact", w) for w in dict.fromkeys(exact)]
        if len(stems) > 1:
            parts.insert(0, q.Phrase(PHRASE_FIELD, stems, node.slop))
        return q.And(parts, boost=node.boost) if parts else q.NullQuery
    if isinstance(node, q.CompoundQuery | q.BinaryQuery | q.WrappingQuery):
        return node.apply(lambda child: _exact_phrases(child, schema))
    return node


def _convertible(node: q.Query, schema) -> q.Query:
    """Drop words a field cannot hold (`date:""`, `seq:abc`): they match nothing, and Whoosh
    raised on them while searching."""
    if isinstance(node, q.Term) and isinstance(node.text, str) and node.fieldname in schema:
        try:
            schema[node.fieldname].to_bytes(node.text)
        except Exception:
            return q.NullQuery
        return node
    if isinstance(node, q.CompoundQuery | q.BinaryQuery | q.WrappingQuery):
        return node.apply(lambda child: _convertible(child, schema))
    return node


def _tidy(node: q.Query, budget: QueryBudget) -> q.Query:
    """Make NOT exclude under OR grouping, fuzzy terms work on stems, wildcards ranked, and a
    bare `*` mean 'every turn'; bound what wildcards, fuzzy words and ranges may cost; refuse
    inverted ranges."""
    if isinstance(node, q.Term | q.Prefix | q.Wildcard) and node.fieldname == "turn_id":
        return _turn(node)
    if isinstance(node, q.Wildcard | q.Prefix):
        if set(node.text) <= {"*"}:
            return q.Every()
        if isinstance(node, q.Wildcard) and "**" in node.text:
            node = q.Wildcard(node.fieldname, re.sub(r"\*+", "*", node.text), node.boost)
    if isinstance(node, q.FuzzyTerm):
        # At most two edits, and the first letters as typed (two for longer words): what
        # keeps a fuzzy word from comparing itself with much of the vocabulary.
        maxdist = min(node.maxdist, MAX_FUZZY_EDITS)
        # (and never more letters than the word has: Whoosh's automaton indexes past its end)
        prefix = min(max(node.prefixlength, 2 if len(node.text) >= 5 else 1), len(node.text))
        if maxdist < node.maxdist:
            budget.note(f"{node.text}~{node.maxdist}: fuzzy words allow at most {maxdist} edits")
        kind = StemmedFuzzyTerm if node.fieldname == "text" else q.FuzzyTerm
        node = kind(node.fieldname, node.text, node.boost, maxdist, prefix, False)
    if isinstance(node, q.TermRange | q.NumericRange) and _inverted(node):
        raise UsageError(
            f"The range {node} runs backwards.",
            "Put the earlier or smaller bound first: [2010 TO 2020].",
        )
    if isinstance(node, q.MultiTerm):
        if node.constantscore:
            # Whoosh scores a pattern or fuzzy word that expands to several words as 1.0 but
            # one that expands to a single word by BM25, per index segment: rank every one.
            node = node.copy()
            node.constantscore = False
        return capped(node, budget)
    if isinstance(node, q.Or):
        positives = [_tidy(c, budget) for c in node.subqueries if not isinstance(c, q.Not)]
        negatives = [_tidy(c.query, budget) for c in node.subqueries if isinstance(c, q.Not)]
        if any(isinstance(c, q.Every) for c in positives):
            positive: q.Query = q.Every()
        else:
            positive = q.Or(positives, boost=node.boost) if positives else q.Every()
        if negatives:
            return q.AndNot(positive, q.Or(negatives))
        return positive
    if isinstance(node, q.And):
        return q.And([_tidy(c, budget) for c in node.subqueries], boost=node.boost)
    if isinstance(node, q.Not):
        return q.AndNot(q.Every(), _tidy(node.query, budget))
    if isinstance(node, q.AndNot):
        return q.AndNot(_tidy(node.a, budget), _tidy(node.b, budget))
    return node


RANGE_RE = re.compile(r"(?P<field>\w+):[\[{]\s*(?P<a>[^\s\]}]+)\s+TO\s+(?P<b>[^\s\]}]+)\s*[\]}]")


def _refuse_inverted_ranges(text: str) -> None:
    """Whoosh swaps the bounds of a backwards date range (and so matches everything between):
    say it runs backwards instead."""
    for m in RANGE_RE.finditer(text):
        a, b = m.group("a"), m.group("b")
        try:
            if m.group("field") == "date":
                backwards = date_bound(a, "date", end=False) > date_bound(b, "date", end=True)
            else:
                backwards = float(a) > float(b) if _number(a) and _number(b) else a > b
        except UsageError:
            continue  # not dates Whoosh understands either: the lenient parse decides
        if backwards:
            raise UsageError(
                f"The range {m.group()} runs backwards.",
                "Put the earlier or smaller bound first, as in date:[2010 TO 2020].",
            )


def _number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _inverted(node) -> bool:
    start, end = node.start, node.end
    if start is None or end is None:
        return False
    try:
        return start > end
    except TypeError:
        return False


def make_filter(filters: Filters, analyzers: Analyzers | None = None) -> q.Query | None:
    """Return a query that matches the turns the filters allow, or None for no filter."""
    analyzers = analyzers or default_analyzers()
    parts: list[q.Query] = []
    if filters.speaker:
        parts.append(_name_filter("speaker", filters.speaker, analyzers.names))
    if filters.role:
        parts.append(_name_filter("role", filters.role, analyzers.text))
    if filters.topic:
        parts.append(q.Term("topics", filters.topic.strip().lower()))
    if filters.transcript:
        value = filters.transcript.strip()
        exact = exact_value(value)
        if exact is not None:
            parts.append(q.Term("transcript", exact))
        else:
            parts.append(
                q.Or([q.Term("transcript", value), q.Wildcard("transcript", f"*{value}*")])
            )
    for given in filters.attr:
        name, value = split_attribute(given)
        parts.append(q.Term("attr", attribute_token(name, value)))
    if filters.since or filters.until:
        # Whoosh's open-ended date ranges match everything: always give both bounds.
        start = date_bound(filters.since, "since", end=False) if filters.since else EARLIEST
        end = date_bound(filters.until, "until", end=True) if filters.until else LATEST
        if start > end:
            raise UsageError(
                f"--since {filters.since} is after --until {filters.until}.",
                "Give the earlier date to --since and the later one to --until.",
            )
        parts.append(q.DateRange("date", start, end))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else q.And(parts)


def split_attribute(given: str) -> tuple[str, str]:
    """`party=Republican` → ("party", "Republican"), or a `UsageError` saying the form."""
    name, sep, value = given.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise UsageError(
            f"--attr {given!r} is not of the form NAME=VALUE.",
            "Write it as --attr party=Republican (attributes come from the corpus's "
            "speakers.csv; `remarks speakers --format json` lists each speaker's).",
        )
    return name.strip(), value.strip()


def exact_value(value: str) -> str | None:
    """The name inside double quotes (`'"Question 17"'` → "Question 17"), else None."""
    value = value.strip()
    if len(value) > 2 and value[0] == value[-1] == '"':
        return value[1:-1].strip()
    return None


def _name_filter(option: str, value: str, analyzer) -> q.Query:
    """The filter query for a speaker or role value: by words, or exactly when quoted."""
    exact = exact_value(value)
    fieldname = "speaker_name" if option == "speaker" else "role"
    words = [t.text for t in analyzer(exact if exact is not None else value)]
    if exact is not None:
        within = q.And([q.Term(fieldname, w) for w in words]) if words else q.Every()
        return ColumnEquals(option, exact, within)
    if not words:
        raise UsageError(
            f"--{option} {value!r} names no {option}: it has no words to match.",
            f"Give a name or words of it, or leave --{option} out to search every {option}.",
        )
    if option == "speaker":
        return q.And([q.Prefix(fieldname, w) for w in words])
    return q.And([q.Term(fieldname, w) for w in words])


def speaker_words(query: q.Query) -> tuple[str, ...] | None:
    """The words of a partial speaker filter (`_name_filter`'s prefixes of speaker name
    words), or None for any other query."""
    parts = query.subqueries if isinstance(query, q.And) else [query]
    if parts and all(isinstance(p, q.Prefix) and p.fieldname == "speaker_name" for p in parts):
        return tuple(p.text for p in parts)
    return None


def name_has_words(name_words: list[str], words: tuple[str, ...]) -> bool:
    """True when every one of `words` begins a word of the name (a partial speaker filter:
    "putin" and "vlad put" both name Vladimir Putin)."""
    return all(any(n.startswith(w) for n in name_words) for w in words)


class ColumnEquals(q.Query):
    """The turns whose stored `column` equals `value` (letter case aside), among those that
    `within` matches (a cheap index query narrowing the candidates). Used only as a filter."""

    def __init__(self, column: str, value: str, within: q.Query) -> None:
        self.column = column
        self.value = value
        self.within = within

    def __repr__(self) -> str:
        return f"ColumnEquals({self.column!r}, {self.value!r}, {self.within!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, ColumnEquals) and repr(self) == repr(other)

    def __hash__(self) -> int:
        return hash(repr(self))

    def docs(self, searcher, deleting=False):
        wanted = self.value.casefold()
        values = searcher.reader().column_reader(self.column)
        for docnum in self.within.docs(searcher):
            if column_text(values[docnum]).casefold() == wanted:
                yield docnum


def date_bound(value: str, option: str, end: bool) -> datetime:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD as the first (or, for `end`, last) moment it covers."""
    m = DATE_BOUND_RE.match(value.strip())
    try:
        if not m:
            raise ValueError
        year = int(m.group("y"))
        month = int(m.group("m") or (12 if end else 1))
        last_day = calendar.monthrange(year, month)[1]
        day = int(m.group("d") or (last_day if end else 1))
        if end:
            return datetime(year, month, day, 23, 59, 59, 999999)
        return datetime(year, month, day)
    except ValueError:
        raise UsageError(
            f"--{option} {value!r} is not a date.",
            "Use YYYY, YYYY-MM or YYYY-MM-DD, for example --since 2017-03.",
        ) from None


def check_filters(index, filters: Filters) -> None:
    """Refuse a speaker, role or transcript filter that no turn of the index matches, naming
    the closest ones: an empty result would read as "nobody said it"."""
    reader = index.searcher.reader()
    checks = [
        ("speaker", filters.speaker, Filters(speaker=filters.speaker), "speaker"),
        ("role", filters.role, Filters(role=filters.role), "role"),
        ("transcript", filters.transcript, Filters(transcript=filters.transcript), "transcript"),
    ]
    for given in filters.attr:
        name, wanted = split_attribute(given)
        if index.allowed_docs(q.Term("attr", attribute_token(name, wanted))):
            continue
        known = sorted({a for raw in reader.column_reader("attr_list") for a in _attrs(raw)})
        names = sorted({a.split("=", 1)[0] for a in known})
        if name.casefold() not in {n.casefold() for n in names}:
            listing = (
                f"Attributes: {', '.join(names)}."
                if names
                else (
                    "This index has no speaker attributes: add a speakers.csv to the corpus "
                    "(see README: Speaker table) and run `remarks index`."
                )
            )
            raise UsageError(f"No speaker has the attribute {name!r}.", listing)
        values = [
            a.split("=", 1)[1] for a in known if a.split("=", 1)[0].casefold() == name.casefold()
        ]
        raise UsageError(
            f"No turn matches --attr {given!r}: no speaker has {name} {wanted!r}.",
            f"Values of {name}: {', '.join(values[:20])}.",
        )
    for option, value, alone, fieldname in checks:
        if not value:
            continue
        query = make_filter(alone, index.analyzers)
        if query is None or index.allowed_docs(query):
            continue
        known = _field_values(reader, fieldname)
        close = _closest(exact_value(value) or value, known)
        hint = f"Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        listing = {
            "speaker": "`remarks speakers` lists every speaker.",
            "role": "`remarks speakers` lists every speaker's roles.",
            "transcript": "Transcript ids are file paths in the corpus without .txt.",
        }[option]
        raise UsageError(
            f"No turn matches --{option} {value!r}: the index has no such {option}.",
            f"{hint} {listing}".strip(),
        )


def _attrs(raw) -> list[str]:
    return [a for a in column_text(raw).split(ATTR_SEPARATOR) if a]


def _field_values(reader, fieldname: str) -> list[str]:
    if fieldname == "role":
        return sorted({r for r in reader.column_reader("role") if r})
    return [t.decode() if isinstance(t, bytes) else t for t in reader.field_terms(fieldname)]


def _closest(value: str, known: list[str], n: int = 3) -> list[str]:
    """The known names nearest to `value`, whole or by one of their words ("putn" → "Vladimir
    Putin"), best first."""
    wanted = value.casefold()
    scored = []
    for name in known:
        key = name.casefold()
        pieces = [key, *key.split()]
        best = max(difflib.SequenceMatcher(None, wanted, p).ratio() for p in pieces)
        if wanted in key:
            best = max(best, 0.8)
        if best >= 0.75:
            scored.append((-best, name))
    return [name for _, name in sorted(scored)[:n]]
