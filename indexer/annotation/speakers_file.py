"""An optional `speakers.toml` in the corpus: merge a speaker's aliases, set roles by date.

    [[speaker]]
    name = "Dmitry Medvedev"
    aliases = ["D. Medvedev", "Dmitry Anatolyevich Medvedev"]
    roles = [
      { role = "President of Russia", until = "2012-05-07" },
      { role = "Prime Minister of Russia", since = "2012-05-08" },
    ]

What the file says overrides what the parser detected from labels and introductions.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from indexer.annotation.settings_file import read_settings
from indexer.errors import CorpusError
from indexer.parsing.labels import name_key

SPEAKERS_FILE = "speakers.toml"
HINT = "Fix the file (see README: Speakers file) or remove it, then run `remarks index` again."


@dataclass(frozen=True)
class DatedRole:
    role: str
    since: date | None
    until: date | None

    def covers(self, when: date | None) -> bool:
        if when is None:
            return self.since is None and self.until is None
        return (self.since is None or self.since <= when) and (
            self.until is None or when <= self.until
        )


@dataclass(frozen=True)
class SpeakerBook:
    """Canonical names by alias, and roles by date, from the speakers file."""

    names: dict[str, str]
    roles: dict[str, tuple[DatedRole, ...]]
    fingerprint: str

    def canonical(self, name: str) -> str:
        return self.names.get(name_key(name), name)

    def role(self, name: str, when: date | None) -> str | None:
        for dated in self.roles.get(name, ()):
            if dated.covers(when):
                return dated.role
        return None


EMPTY = SpeakerBook({}, {}, "none")


def load_speakers(corpus: Path) -> SpeakerBook:
    """Read `speakers.toml` from the corpus folder; no file means no overrides."""
    path = corpus / SPEAKERS_FILE
    settings = read_settings(path, HINT)
    if settings is None:
        return EMPTY
    data, fingerprint = settings
    names: dict[str, str] = {}
    roles: dict[str, tuple[DatedRole, ...]] = {}
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
            roles[name] = tuple(dated)
    return SpeakerBook(names, roles, fingerprint)


def _date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
