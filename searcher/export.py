"""Rows for spreadsheets and scripts: every field of a turn's JSON, flattened, as CSV or JSON
Lines, written as the turns come (constant memory, whatever the number of rows)."""

import csv
import json
from collections.abc import Iterable
from typing import IO

from searcher.browse import SpeakerSummary
from searcher.hits import TurnRecord

# The JSON contract's fields, in order; `exchange` becomes its id and its turns' ids.
FIELDS = [
    "rank",
    "score",
    "turn_id",
    "transcript",
    "title",
    "date",
    "place",
    "seq",
    "start",
    "speaker",
    "role",
    "attributes",
    "topics",
    "exchange_id",
    "exchange_turn_ids",
    "snippet",
    "highlights",
    "text",
]
FORMATS = ("csv", "jsonl")


def flat_row(record: TurnRecord) -> dict:
    """One turn as a flat row: lists joined with ";", highlights as `start-end;…`."""
    data = record.to_json()
    exchange = data.pop("exchange") or {}
    return {
        **{key: data.get(key) for key in FIELDS if key in data},
        "topics": ";".join(record.topics),
        "attributes": ";".join(f"{k}={v}" for k, v in record.attributes.items()),
        "exchange_id": exchange.get("id"),
        "exchange_turn_ids": ";".join(exchange.get("turn_ids", [])),
        "highlights": ";".join(f"{start}-{end}" for start, end in record.highlights),
    }


def write_rows(records: Iterable[TurnRecord], out: IO[str], fmt: str) -> int:
    """Write the records to `out` as CSV (with a header) or JSON Lines; return how many."""
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore")
        writer.writeheader()
        for record in records:
            writer.writerow(flat_row(record))
            count += 1
    else:
        for record in records:
            out.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
            count += 1
    return count


SPEAKER_TABLE_COLUMNS = ["name", "aliases", "role", "since", "until", "transcript"]


def write_speaker_table(speakers: Iterable[SpeakerSummary], out: IO[str]) -> int:
    """Write the speakers as a speaker table (`speakers.csv`): a row per speaker with their
    first role and their attributes, a starting point to edit (README: Speaker table)."""
    speakers = list(speakers)
    extra = sorted({key for s in speakers for key in s.attributes})
    writer = csv.writer(out)
    writer.writerow([*SPEAKER_TABLE_COLUMNS, *extra])
    for s in speakers:
        role = s.roles[0] if s.roles else ""
        writer.writerow([s.name, "", role, "", "", "", *(s.attributes.get(k, "") for k in extra)])
    return len(speakers)
