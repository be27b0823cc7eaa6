"""Turn what a user types into a Whoosh query, leniently, and filters into a filter query.

The query language is Whoosh's: words, "phrases", OR, AND, NOT, prefix*, fuzzy~, and
field:value for speaker, role, title, topic, text and transcript. Plain words are OR-ed, so a
natural-language question still finds turns that lack one of its words; BM25F ranks turns
that match more of them higher. NOT excludes, whatever the grouping.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import datetime

from whoosh import query as q
from whoosh.qparser import (
    FieldAliasPlugin,
    FuzzyTermPlugin,
    MultifieldParser,
    OrGroup,
)
from whoosh.qparser.dateparse import DateParserPlugin
from whoosh.support.levenshtein import distance

from indexer.analysis import name_analyzer, text_analyzer
from indexer.errors import UsageError
from indexer.schema import PHRASE_FIELD

MAX_QUERY_CHARS = 1000
FIELD_ALIASES = {"speaker_name": ["speaker", "who"], "topics": ["topic"], "turn_id": ["turn"]}
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A question mark is Whoosh's one-character wildcard only before a letter or digit ("wom?n",
# "?ood"); anywhere else it is punctuation: "pension?", "(MEDLARS)?", a lone "?".
QUESTION_MARK_RE = re.compile(r"\?+(?!\w)")
EARLIEST = datetime(1, 1, 1)
LATEST = datetime(9999, 12, 31, 23, 59, 59)
DATE_BOUND_RE = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?)?$")


@dataclass(frozen=True)
class Filters:
    """Restrictions on which turns a search returns."""

    speaker: str | None = None
    role: str | None = None
    topic: str | None = None
    transcript: str | None = None
    since: str | None = None
    until: str | None = None

    def __bool__(self) -> bool:
        return any(vars(self).values())


def clean_query(text: str) -> str:
    """Remove control characters, cap the length, and read a question mark that ends a word or
    stands alone as punctuation ("what is a pension?"), not as Whoosh's one-character
    wildcard."""
    text = CONTROL_RE.sub(" ", text or "")
    text = QUESTION_MARK_RE.sub(" ", text)
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def make_parser(schema, fields: dict[str, float]):
    """Return the parser for user queries, searching `fields` with their weights."""
    fields = {name: weight for name, weight in fields.items() if weight > 0}
    parser = MultifieldParser(list(fields), schema, fieldboosts=fields, group=OrGroup)
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
    parser.add_plugin(DateParserPlugin(free=False))
    return parser


def parse_query(parser, text: str) -> q.Query:
    """Parse a cleaned query string; never raises on malformed input."""
    text = clean_query(text)
    if not text:
        return q.NullQuery
    try:
        parsed = parser.parse(text)
    except Exception:  # Whoosh's parser raises assorted errors on odd input.
        parsed = parser.parse(re.sub(r"[^\w\s]", " ", text))
    return _tidy(parsed)


class StemmedFuzzyTerm(q.FuzzyTerm):
    """A fuzzy term matched against a stemmed field's own terms.

    Whoosh looks fuzzy terms up in a field's separate spelling words (unstemmed), which never
    equal the stemmed terms they are then searched as; this compares stems with stems.
    """

    def _btexts(self, ixreader):
        field = ixreader.schema[self.fieldname]
        for btext in ixreader.expand_prefix(self.fieldname, self.text[: self.prefixlength]):
            word = field.from_bytes(btext)
            if distance(word, self.text, limit=self.maxdist) <= self.maxdist:
                yield word


def _tidy(node: q.Query) -> q.Query:
    """Make NOT exclude under OR grouping, fuzzy terms work on stems, wildcards ranked, text
    phrases use the positions field, and a bare `*` mean 'every turn'."""
    if isinstance(node, q.Wildcard | q.Prefix) and node.text in ("*", ""):
        return q.Every()
    if isinstance(node, q.Phrase) and node.fieldname == "text":
        return q.Phrase(PHRASE_FIELD, node.words, node.slop, node.boost, node.char_ranges)
    if type(node) is q.FuzzyTerm and node.fieldname == "text":
        return StemmedFuzzyTerm(
            node.fieldname, node.text, node.boost, node.maxdist, node.prefixlength, False
        )
    if isinstance(node, q.MultiTerm) and node.constantscore:
        # Whoosh scores a pattern or fuzzy word that expands to several words as 1.0 but one
        # that expands to a single word by BM25, per index segment: rank every expansion.
        scored = node.copy()
        scored.constantscore = False
        return scored
    if isinstance(node, q.Or):
        positives = [_tidy(c) for c in node.subqueries if not isinstance(c, q.Not)]
        negatives = [_tidy(c.query) for c in node.subqueries if isinstance(c, q.Not)]
        if any(isinstance(c, q.Every) for c in positives):
            positive: q.Query = q.Every()
        else:
            positive = q.Or(positives, boost=node.boost) if positives else q.Every()
        if negatives:
            return q.AndNot(positive, q.Or(negatives))
        return positive
    if isinstance(node, q.And):
        return q.And([_tidy(c) for c in node.subqueries], boost=node.boost)
    if isinstance(node, q.Not):
        return q.AndNot(q.Every(), _tidy(node.query))
    return node


def make_filter(filters: Filters) -> q.Query | None:
    """Return a query that matches the turns the filters allow, or None for no filter."""
    parts: list[q.Query] = []
    if filters.speaker:
        words = [t.text for t in name_analyzer()(filters.speaker)]
        if words:
            parts.append(q.And([q.Prefix("speaker_name", w) for w in words]))
    if filters.role:
        words = [t.text for t in text_analyzer()(filters.role)]
        if words:
            parts.append(q.And([q.Term("role", w) for w in words]))
    if filters.topic:
        parts.append(q.Term("topics", filters.topic.strip().lower()))
    if filters.transcript:
        value = filters.transcript.strip()
        parts.append(q.Or([q.Term("transcript", value), q.Wildcard("transcript", f"*{value}*")]))
    if filters.since or filters.until:
        # Whoosh's open-ended date ranges match everything: always give both bounds.
        start = date_bound(filters.since, "since", end=False) if filters.since else EARLIEST
        end = date_bound(filters.until, "until", end=True) if filters.until else LATEST
        parts.append(q.DateRange("date", start, end))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else q.And(parts)


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
