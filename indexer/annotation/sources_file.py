"""An optional `sources.csv` in the corpus: where each transcript was published, for citations.

    file,url
    2016-09-05_52830_interview-to-bloomberg.txt,http://en.kremlin.ru/events/president/news/52830

`file` is a transcript's file name or id (its path in the corpus, with or without the
extension). A `Source: URL` line in a transcript's own header is used when the file has no row.
"""

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from indexer.errors import CorpusError

SOURCES_FILE = "sources.csv"
HINT = "Fix the file (columns: file,url; see README: Citations), then run `remarks index` again."


@dataclass(frozen=True)
class SourceList:
    """Transcript ids and their source addresses, and a fingerprint of the file."""

    urls: dict[str, str] = field(default_factory=dict)
    fingerprint: str = "none"

    def url(self, transcript_id: str) -> str | None:
        return self.urls.get(transcript_id)


EMPTY = SourceList()


def load_sources(corpus: Path) -> SourceList:
    """Read `sources.csv` from the corpus folder; no file means no addresses."""
    path = corpus / SOURCES_FILE
    if not path.is_file():
        return EMPTY
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path} cannot be read as UTF-8 text ({exc}).", HINT) from None
    rows = list(csv.reader(io.StringIO(text)))
    header = [h.strip().lower() for h in rows[0]] if rows else []
    if "file" not in header or "url" not in header:
        raise CorpusError(f"{path}: the header row must name the columns file and url.", HINT)
    urls = {}
    for line, row in enumerate(rows[1:], start=2):
        cells = dict(zip(header, (c.strip() for c in row), strict=False))
        name, url = cells.get("file", ""), cells.get("url", "")
        if not name and not url:
            continue
        if not name or not url.startswith(("http://", "https://")):
            raise CorpusError(f"{path}, line {line}: give a file and an http(s) address.", HINT)
        urls[
            name.rsplit(".", 1)[0]
            if name.endswith((".txt", ".vtt", ".srt", ".json", ".jsonl"))
            else name
        ] = url
    return SourceList(urls, hashlib.sha256(raw).hexdigest()[:16])
