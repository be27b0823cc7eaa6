"""An Atom feed (RFC 4287) of a search: its newest matching turns, each linking to the turn."""

from datetime import UTC, datetime
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from searcher.hits import TurnRecord

FEED_SIZE = 50


def atom_feed(title: str, self_url: str, base: str, hits: list[TurnRecord]) -> str:
    """The feed's XML: entries newest first; ids and links are the turns' page addresses."""
    base = base.rstrip("/")
    updated = max((_when(h) for h in hits), default=datetime(1970, 1, 1, tzinfo=UTC))
    entries = "".join(_entry(base, hit) for hit in hits)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"  <title>{escape(title)}</title>\n"
        f"  <id>{escape(self_url)}</id>\n"
        f'  <link rel="self" href={quoteattr(self_url)}/>\n'
        f"  <updated>{updated.isoformat()}</updated>\n"
        "  <author><name>remarks</name></author>\n"
        "  <generator>remarks</generator>\n"
        f"{entries}"
        "</feed>\n"
    )


def turn_url(base: str, hit: TurnRecord) -> str:
    return f"{base}/t/{quote(hit.transcript, safe='')}?turn={hit.seq}#{hit.seq}"


def _when(hit: TurnRecord) -> datetime:
    if hit.date:
        return datetime.fromisoformat(hit.date).replace(tzinfo=UTC)
    return datetime(1970, 1, 1, tzinfo=UTC)


def _entry(base: str, hit: TurnRecord) -> str:
    url = turn_url(base, hit)
    role = f" ({hit.role})" if hit.role else ""
    title = f"{hit.speaker}{role}: {hit.title}"
    return (
        "  <entry>\n"
        f"    <title>{escape(title)}</title>\n"
        f"    <id>{escape(url)}</id>\n"
        f'    <link rel="alternate" type="text/html" href={quoteattr(url)}/>\n'
        f"    <updated>{_when(hit).isoformat()}</updated>\n"
        f"    <author><name>{escape(hit.speaker)}</name></author>\n"
        f"    <summary>{escape(hit.snippet or hit.text[:300])}</summary>\n"
        "  </entry>\n"
    )
