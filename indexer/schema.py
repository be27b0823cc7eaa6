"""The Whoosh schema: one document per speaker turn."""

from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from indexer.analysis import ANALYZER_VERSION, name_analyzer, text_analyzer
from indexer.postings import TurnCharacters, TurnPositions

SCHEMA_VERSION = 5
FORMAT_VERSION = f"schema-{SCHEMA_VERSION}.analyzer-{ANALYZER_VERSION}"


def make_schema() -> Schema:
    """Return the schema of a turn index."""
    text = text_analyzer()
    schema = Schema(
        turn_id=ID(stored=True, unique=True),
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
        text=TEXT(analyzer=text, stored=True, phrase=True, chars=True),
        # On a transcript's first turn only: the file it came from (path, size, mtime, hash),
        # so the index itself records what it holds and commits it atomically with the turns.
        source=COLUMN(VarBytesColumn()),
    )
    # The same postings as Whoosh's formats, built without a Token per word.
    schema["text"].format = TurnCharacters(field_boost=schema["text"].format.field_boost)
    for name in ("title", "speaker_name", "role"):
        schema[name].format = TurnPositions(field_boost=schema[name].format.field_boost)
    return schema
