"""Optional speaker files in the corpus: merge a speaker's aliases, set roles by date or by
transcript, give speakers attributes (party, gender, constituency, …).

`speakers.toml`:

    [[speaker]]
    name = "Dmitry Medvedev"
    aliases = ["D. Medvedev", "Dmitry Anatolyevich Medvedev"]
    roles = [
      { role = "President of Russia", until = "2012-05-07" },
      { role = "Prime Minister of Russia", since = "2012-05-08" },
    ]

`speakers.csv` (or `speakers.tsv`), a table with a header row: `name` (required), `aliases`
(separated by `;`), `role`, `since`, `until`, `transcript`, and any further columns, kept as
the speaker's attributes. A name may have several rows: a role for a period, or for one
transcript (`transcript`: its id or file name — a panelist in one debate, a moderator in
another). A row for a transcript wins over a dated row, a dated row over an undated one.

What the files say overrides what the parser detected from labels and introductions.
"""

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from indexer.annotation.settings_file import read_settings
from indexer.errors import CorpusError
from indexer.parsing.labels import name_key

SPEAKERS_FILE = "speakers.toml"
TABLE_FILES = ("speakers.csv", "speakers.tsv")
TABLE_COLUMNS = ("name", "aliases", "role", "since", "until", "transcript")
HINT = "Fix the file (see README: Speakers file) or remove it, then run `remarks index` again."


@dataclass(frozen=True)
class DatedRole:
    """What a speaker is for a period, or in one transcript: a role and attributes."""

    role: str | None
    since: date | None
    until: date | None
    transcript: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()

    def covers(self, when: date | None, transcript: str | None = None) -> bool:
        if self.transcript is not None:
            return transcript is not None and _same_transcript(self.transcript, transcript)
        if when is None:
            return self.since is None and self.until is None
        return (self.since is None or self.since <= when) and (
            self.until is None or when <= self.until
        )

    @property
    def rank(self) -> int:
        """Which of several covering rows wins: per transcript, then dated, then any."""
        if self.transcript is not None:
            return 0
        return 1 if self.since is not None or self.until is not None else 2


def _same_transcript(given: str, transcript_id: str) -> bool:
    given = given.strip().removesuffix(".txt")
    return given == transcript_id or given.rsplit(".", 1)[0] == transcript_id


@dataclass(frozen=True)
class SpeakerBook:
    """Canonical names by alias, and roles and attributes by date or transcript, from the
    speaker files."""

    names: dict[str, str]
    roles: dict[str, tuple[DatedRole, ...]]
    fingerprint: str
    files: tuple[str, ...] = field(default=())

    def canonical(self, name: str) -> str:
        return self.names.get(name_key(name), name)

    def _covering(self, name: str, when: date | None, transcript: str | None):
        rows = [r for r in self.roles.get(name, ()) if r.covers(when, transcript)]
        return sorted(rows, key=lambda r: r.rank)

    def role(self, name: str, when: date | None, transcript: str | None = None) -> str | None:
        for dated in self._covering(name, when, transcript):
            if dated.role:
                return dated.role
        return None

    def attributes(
        self, name: str, when: date | None, transcript: str | None = None
    ) -> tuple[tuple[str, str], ...]:
        """The speaker's attributes there and then: general rows first, the most specific
        row's values winning."""
        merged: dict[str, str] = {}
        for dated in reversed(self._covering(name, when, transcript)):
            merged.update(dated.attributes)
        return tuple(merged.items())


EMPTY = SpeakerBook({}, {}, "none")


def load_speakers(corpus: Path) -> SpeakerBook:
    """Read `speakers.toml` and `speakers.csv`/`.tsv` from the corpus folder; no file means
    no overrides."""
    names: dict[str, str] = {}
    roles: dict[str, tuple[DatedRole, ...]] = {}
    fingerprints = []
    files = []
    toml = _load_toml(corpus / SPEAKERS_FILE, names, roles)
    if toml is not None:
        fingerprints.append(toml)
        files.append(SPEAKERS_FILE)
    for name in TABLE_FILES:
        if (corpus / name).is_file():
            fingerprints.append(_load_table(corpus / name, names, roles))
            files.append(name)
    if not fingerprints:
        return EMPTY
    fingerprint = fingerprints[0] if len(fingerprints) == 1 else "+".join(fingerprints)
    return SpeakerBook(names, roles, fingerprint, tuple(files))


def _load_table(path: Path, names: dict[str, str], roles: dict[str, tuple[DatedRole, ...]]) -> str:
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path} cannot be read as UTF-8 text ({exc}).", HINT) from None
    delimiter = "\t" if path.suffix == ".tsv" else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise CorpusError(f"{path} is empty.", "Give it a header row: name,aliases,role,…")
    header = [h.strip().lower() for h in rows[0]]
    if "name" not in header:
        raise CorpusError(
            f"{path}: the header row has no `name` column (it has {', '.join(header)}).",
            "The first row names the columns: name, aliases, role, since, until, transcript, "
            "and any attributes (party, gender, …).",
        )
    extra = [h for h in header if h and h not in TABLE_COLUMNS]
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise CorpusError(
                f"{path}, line {line}: {len(row)} cells, but the header has {len(header)}.",
                "Quote cells that hold the separator, or add the column to the header.",
            )
        cells = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}
        name = cells["name"]
        if not name:
            raise CorpusError(f"{path}, line {line}: the row has no name.", HINT)
        for alias in [name, *cells.get("aliases", "").split(";")]:
            if alias.strip():
                names[name_key(alias)] = name
        try:
            since, until = _date(cells.get("since") or None), _date(cells.get("until") or None)
        except ValueError:
            raise CorpusError(
                f"{path}, line {line}: since/until must be dates (YYYY-MM-DD).", HINT
            ) from None
        attributes = tuple((h, cells[h]) for h in extra if cells.get(h))
        row_role = DatedRole(
            cells.get("role") or None, since, until, cells.get("transcript") or None, attributes
        )
        if row_role.role or row_role.attributes:
            roles[name] = (*roles.get(name, ()), row_role)
    return hashlib.sha256(raw).hexdigest()[:16]


def _load_toml(path: Path, names: dict[str, str], roles: dict[str, tuple[DatedRole, ...]]):
    settings = read_settings(path, HINT)
    if settings is None:
        return None
    data, fingerprint = settings
    for i, entry in enumerate(data.get("speaker", []), start=1):
        name = str(entry.get("name", "")).strip()
        if not name:
            raise CorpusError(f"{path}: speaker {i} has no name.", HINT)
        for alias in [name, *entry.get("aliases", [])]:
            names[name_key(str(alias))] = name
        dated = []
        for spec in entry.get("roles", []):
            try:
                dated.append(
                    DatedRole(str(spec["role"]), _date(spec.get("since")), _date(spec.get("until")))
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise CorpusError(
                    f"{path}: a role of {name} is not of the form "
                    f'{{ role = "…", since = "YYYY-MM-DD", until = "YYYY-MM-DD" }} ({exc}).',
                    HINT,
                ) from None
        if dated:
            roles[name] = (*roles.get(name, ()), *dated)
    return fingerprint


def _date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
