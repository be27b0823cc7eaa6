"""Where an index lives on disk: generations of Whoosh indexes and a pointer to the live one.

`index/CURRENT` names the live generation folder (`index/gen-…`). A build writes a new
generation beside the live one and publishes it by replacing `CURRENT` atomically, so a
search never sees a half-built index. The previous generation is kept until the next publish,
for searches that opened it just before the switch.
"""

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import EmptyIndexError, Index

from indexer.errors import IndexMissingError, IndexUnreadableError
from indexer.schema import FORMAT_VERSION

CURRENT = "CURRENT"
META = "remarks.json"
REBUILD_HINT = "Run `remarks index --rebuild` to build it again from the corpus."


@dataclass(frozen=True)
class OpenIndex:
    """A live Whoosh index and the metadata written beside it."""

    path: Path
    index: Index
    meta: dict


def new_generation(index_dir: Path) -> Path:
    """Create and return an empty folder for a new generation of the index."""
    index_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    gen = index_dir / f"gen-{stamp}-{os.getpid()}-{time.monotonic_ns() % 1_000_000:06d}"
    gen.mkdir()
    return gen


def write_meta(gen: Path, meta: dict) -> None:
    """Write the metadata of a generation (format version, fingerprints of the corpus files)."""
    tmp = gen / (META + ".tmp")
    tmp.write_text(json.dumps({**meta, "format": FORMAT_VERSION}, indent=1), encoding="utf-8")
    os.replace(tmp, gen / META)


def read_meta(gen: Path) -> dict:
    """Read the metadata of a generation."""
    return json.loads((gen / META).read_text(encoding="utf-8"))


def publish(index_dir: Path, gen: Path) -> None:
    """Make `gen` the live generation, then delete generations older than the previous one."""
    previous = live_generation(index_dir)
    tmp = index_dir / (CURRENT + ".tmp")
    tmp.write_text(gen.name + "\n", encoding="utf-8")
    os.replace(tmp, index_dir / CURRENT)
    keep = {gen.name, previous.name if previous else ""}
    for child in index_dir.iterdir():
        if child.is_dir() and child.name.startswith("gen-") and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)


def discard_unfinished(index_dir: Path) -> None:
    """Delete generations a killed build left unpublished (they have no metadata yet).

    Call only while holding the writer lock: an unfinished generation is then nobody's.
    """
    live = live_generation(index_dir)
    for child in index_dir.iterdir():
        unfinished = child.name.startswith("gen-") and not (child / META).exists()
        if unfinished and child.is_dir() and child != live:
            shutil.rmtree(child, ignore_errors=True)


def discard(gen: Path) -> None:
    """Delete an unpublished generation."""
    shutil.rmtree(gen, ignore_errors=True)


def live_generation(index_dir: Path) -> Path | None:
    """Return the folder of the live generation, or None if nothing was published."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        message = f"Cannot read the index at {index_dir}: {exc}"
        raise IndexUnreadableError(message, REBUILD_HINT) from exc
    gen = index_dir / name
    return gen if name and gen.is_dir() else None


def open_index(index_dir: Path) -> OpenIndex:
    """Open the live index for reading, checking that this version of remarks can read it."""
    gen = live_generation(index_dir)
    if gen is None:
        raise IndexMissingError(
            f"There is no index at {index_dir}.",
            "Run `remarks index` to build it from the corpus, or pass --index PATH.",
        )
    try:
        meta = json.loads((gen / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        message = f"The index at {index_dir} is damaged ({exc})."
        raise IndexUnreadableError(message, REBUILD_HINT) from exc
    if meta.get("format") != FORMAT_VERSION:
        raise IndexUnreadableError(
            f"The index at {index_dir} was built by another version of remarks "
            f"(format {meta.get('format')!r}, this version reads {FORMAT_VERSION!r}).",
            REBUILD_HINT,
        )
    try:
        ix = whoosh_index.open_dir(str(gen), readonly=True)
    except (EmptyIndexError, OSError, ValueError, EOFError, AttributeError, ImportError) as exc:
        # AttributeError / ImportError: the pickled schema names code this version lacks.
        message = f"Cannot open the index at {index_dir}: {exc}"
        raise IndexUnreadableError(message, REBUILD_HINT) from exc
    return OpenIndex(gen, ix, meta)


def index_size(index_dir: Path) -> int:
    """Return the size in bytes of the live generation."""
    gen = live_generation(index_dir)
    if gen is None:
        return 0
    return sum(f.stat().st_size for f in gen.iterdir() if f.is_file())
