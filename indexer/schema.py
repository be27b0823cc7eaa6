"""The Whoosh schema: one document per speaker turn."""

from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from indexer.analysis import ANALYZER_VERSION, TextAnalyzer, name_analyzer, text_analyzer
from indexer.whoosh_ext.postings import TurnFrequency, TurnPositions

# 7: commit records with checksums and per-commit stem tables beside each commit (store.py).
# 11: the `exact` field (unstemmed words: `=word`, `="a phrase"`); 12: without stop words.
# 13: positions without character offsets. 14: one field for the turn text's scores and
# phrases (`text`, with positions; a frequency-only copy doubled its postings' bytes and
# cost a quarter of the build for a tenth faster reading of its blocks).
# 15: stored fields deflated 16 turns at a time (indexer/whoosh_ext/stored.py).
# 16: turn ids stored, not indexed: a turn is found by its transcript and number, so a
# dictionary word per turn (7% of an index of short turns) went.
# 17: a positions block in two parts, documents and weights apart from positions, so scoring
# inflates no positions (indexer/whoosh_ext/fixes.py).
SCHEMA_VERSION = 17
PHRASE_FIELD = "text"  # the field phrases are searched in
FORMAT_VERSION = f"schema-{SCHEMA_VERSION}.analyzer-{ANALYZER_VERSION}"
ATTR_SEPARATOR = "\x1f"  # between a turn's `name=value` attributes in its `attr_list` column


def attribute_token(name: str, value: str) -> str:
    """The word a `name=value` attribute is indexed as (letter case and spacing aside)."""
    return " ".join(f"{name}={value}".replace(",", " ").split()).casefold()


def make_schema(stop_words: frozenset[str] | None = None) -> Schema:
    """Return the schema of a turn index; `stop_words` replaces the default stop list of
    its text analyzer (an experiment's choice: the index keeps it, searches use it)."""
    text = text_analyzer() if stop_words is None else TextAnalyzer(stop_words)
    schema = Schema(
        turn_id=STORED(),  # found as transcript + seq (TurnIndex.turn_documents, query `turn:`)
        transcript=ID(stored=True, sortable=True),
        title=TEXT(analyzer=text, stored=True, phrase=True),
        date=DATETIME(stored=True, sortable=True),
        place=STORED(),
        seq=NUMERIC(int, stored=True, sortable=True),
        speaker=ID(stored=True, sortable=True),
        speaker_name=TEXT(analyzer=name_analyzer(), phrase=True),
        role=TEXT(analyzer=text, stored=True, phrase=True, sortable=True),
        topics=KEYWORD(stored=True, lowercase=True, commas=True, scorable=True),
        topic_list=COLUMN(VarBytesColumn()),
        exchange=ID(stored=True),
        exchange_span=STORED(),
        # Scored (BM25F with the title) and searched for phrases. Positions only: snippets
        # find their words in the stored text, so character offsets would only make the
        # index bigger.
        text=TEXT(analyzer=text, stored=True, phrase=True),
        # The turn text's words as written (folded, lower case, not stemmed; the text's stop
        # list), frequencies only: exact words ("expenses" without "expensive"); an exact
        # phrase is the phrase in `text` with each of its words here (searcher/query.py).
        exact=TEXT(analyzer=TextAnalyzer(text.stoplist, stemming=False), phrase=False),
        # On a transcript's first turn only: the file it came from (path, size, mtime, hash),
        # so the index itself records what it holds and commits it atomically with the turns.
        source=COLUMN(VarBytesColumn()),
        # Words spoken in the turn (every token, stop words too): the denominator of trends.
        words=COLUMN(NumericColumn("I", default=0)),
        # When the turn starts in its recording (seconds; caption and meeting formats).
        start=STORED(),
        # Where the transcript was published (for citations).
        url=STORED(),
        # The speaker's attributes from the speaker table: as given (stored, a list of
        # [name, value]), as `name=value` words for filters, and as a column for facets.
        attributes=STORED(),
        attr=KEYWORD(lowercase=True, commas=True),
        attr_list=COLUMN(VarBytesColumn()),
    )
    # The same postings as Whoosh's formats, built without a Token per word.
    formats = {"exact": TurnFrequency}
    formats |= {name: TurnPositions for name in (PHRASE_FIELD, "title", "speaker_name", "role")}
    for name, format_class in formats.items():
        schema[name].format = format_class(field_boost=schema[name].format.field_boost)
    return schema
