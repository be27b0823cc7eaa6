"""What a build or sync did: `IndexReport`, with the transcripts it failed on or warned about."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Failure:
    """A transcript that could not be indexed, and why."""

    path: str
    error: str


@dataclass(frozen=True)
class Notice:
    """Something worth knowing about how a transcript was indexed."""

    path: str
    warning: str


@dataclass
class IndexReport:
    """What a build or sync did, and what the index holds afterwards."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: list[Failure] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    seconds: float = 0.0
    transcripts: int = 0
    turns: int = 0
    rebuilt: bool = False
    reason: str = ""
    retagged: int | None = None
    workers: int = 1
    optimized: bool = False
    segments: int = 0
    # Turns this sync added or whose text changed (ids), for saved searches; a rebuild
    # re-indexes what was there and lists none.
    new_turns: list[str] = field(default_factory=list)
    # Files read in a format other than the plain layout: path -> format name.
    formats: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "failed": [{"path": f.path, "error": f.error} for f in self.failed],
            "warnings": [{"path": w.path, "warning": w.warning} for w in self.warnings],
            "seconds": round(self.seconds, 3),
            "transcripts": self.transcripts,
            "turns": self.turns,
            "rebuilt": self.rebuilt,
            "retagged": self.retagged,
            "optimized": self.optimized,
            "segments": self.segments,
            "formats": [{"path": p, "format": f} for p, f in sorted(self.formats.items())],
        }
