"""A sharded index: the corpus split by transcript into N ordinary indexes, built on Dask.

    index/shards.json       the layout: how many shards, how transcripts are split, the
                            format version, what each shard held after the last build
    index/shard-0 … N-1     one index each, built and synced as any index (its own commits,
                            lock and checksums), holding the transcripts of that shard only

A transcript's shard is fixed by its id (`shard_of`: a hash, not the file order), so an
added transcript goes to one shard and a sync touches only the shards whose files changed.
Every turn of a transcript is in one shard, so showing a turn in its context and exchanges
need one shard. Searching them as one index is searcher/shards.py.
"""

import contextlib
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from indexer.building.report import IndexReport
from indexer.errors import IndexUnreadableError, UsageError
from indexer.schema import FORMAT_VERSION
from indexer.storage.store import IndexCheck, check_index

LAYOUT = "shards.json"
MAX_SHARDS = 256
SPLIT = "sha1(transcript id) mod shards"

Progress = Callable[[int, int, Path], None]


def shard_of(transcript: str, shards: int) -> int:
    """The shard of a transcript, by its id."""
    return int.from_bytes(hashlib.sha1(transcript.encode("utf-8")).digest()[:8], "big") % shards


def shard_of_file(rel: str, shards: int) -> int:
    """The shard of a transcript file, by its path in the corpus (its id with a suffix)."""
    return shard_of(PurePosixPath(rel).with_suffix("").as_posix(), shards)


@dataclass(frozen=True)
class ShardLayout:
    """Which shards an index has, where they are, and what each held after its last build."""

    index_dir: Path
    shards: int
    format: str
    transcripts: tuple[int, ...] = ()
    turns: tuple[int, ...] = ()

    def folder(self, i: int) -> Path:
        return self.index_dir / f"shard-{i}"

    @property
    def folders(self) -> list[Path]:
        return [self.folder(i) for i in range(self.shards)]

    def shard_of(self, transcript: str) -> int:
        return shard_of(transcript, self.shards)

    def to_json(self) -> dict:
        return {
            "shards": self.shards,
            "split": SPLIT,
            "format": self.format,
            "folders": [f.name for f in self.folders],
            "transcripts": list(self.transcripts),
            "turns": list(self.turns),
        }

    def save(self) -> None:
        """Write the layout atomically (a reader sees the old one or the new one)."""
        path = self.index_dir / LAYOUT
        temporary = path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)


def read_layout(index_dir: Path) -> ShardLayout | None:
    """The layout of a sharded index; None when `index_dir` is not one."""
    path = Path(index_dir) / LAYOUT
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        shards = int(data["shards"])
        if data.get("split") != SPLIT or not 1 <= shards <= MAX_SHARDS:
            raise ValueError("an unknown split")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexUnreadableError(
            f"The shard layout {path} cannot be read ({exc}).",
            "Rebuild the index with `remarks index --shards N --rebuild`.",
        ) from None
    return ShardLayout(
        Path(index_dir).absolute(),  # workers elsewhere do not share this process's folder
        shards,
        str(data.get("format", "")),
        tuple(data.get("transcripts", ())),
        tuple(data.get("turns", ())),
    )


def index_shards(
    corpus: Path,
    index_dir: Path,
    shards: int | None = None,
    scheduler: str | None = None,
    rebuild: bool = False,
    on_progress: Progress | None = None,
) -> IndexReport:
    """Build or sync a sharded index: each shard by one Dask task (`index_corpus` with
    `shard=`), on the scheduler at `scheduler` or on a local cluster started for it.

    `shards` is the number of shards (None: keep the index's). Changing the number of an
    existing index needs `rebuild`. Shard folders must be where every worker reads them.
    """
    from indexer.cluster import Cluster

    started = time.perf_counter()
    index_dir = Path(index_dir).absolute()
    corpus = Path(corpus).absolute()
    old = read_layout(index_dir)
    shards = _check_shards(index_dir, old, shards, rebuild)
    index_dir.mkdir(parents=True, exist_ok=True)
    layout = ShardLayout(index_dir, shards, FORMAT_VERSION)
    done = 0

    def progress(i: int) -> None:
        nonlocal done
        done += 1
        if on_progress:
            on_progress(done, shards, layout.folder(i))

    with Cluster(scheduler, workers=min(shards, len(os.sched_getaffinity(0)))) as cluster:
        reports = cluster.run(
            build_shard,
            list(range(shards)),
            corpus,
            index_dir,
            shards,
            rebuild or old is None or old.shards != shards,
            name=lambda i: f"shard {i} ({layout.folder(i)})",
            on_result=progress,
        )
    layout = ShardLayout(
        index_dir,
        shards,
        FORMAT_VERSION,
        tuple(r.transcripts for r in reports),
        tuple(r.turns for r in reports),
    )
    layout.save()
    if old is not None:
        for folder in set(old.folders) - set(layout.folders):
            with contextlib.suppress(OSError):
                shutil.rmtree(folder)
    report = merge_reports(reports)
    report.seconds = time.perf_counter() - started
    return report


def build_shard(i: int, corpus: Path, index_dir: Path, shards: int, rebuild: bool) -> IndexReport:
    """Build or sync shard `i` of `shards` (a Dask task; one process: the worker is one)."""
    from indexer.building.build import index_corpus

    folder = ShardLayout(index_dir, shards, FORMAT_VERSION).folder(i)
    return index_corpus(corpus, folder, rebuild=rebuild, workers=1, shard=(i, shards))


def _check_shards(index_dir: Path, old: ShardLayout | None, shards: int | None, rebuild) -> int:
    if shards is None:
        if old is None:
            raise UsageError(f"{index_dir} is not a sharded index.", "Pass --shards N.")
        return old.shards
    if not 1 <= shards <= MAX_SHARDS:
        raise UsageError(f"--shards {shards} is out of range.", f"Use 1 to {MAX_SHARDS}.")
    if old is None and (index_dir / "CURRENT").exists():
        raise UsageError(
            f"{index_dir} holds an index that is not sharded.",
            "Pass another --index for the sharded one, or delete that folder first.",
        )
    if old is not None and old.shards != shards and not rebuild:
        raise UsageError(
            f"The index at {index_dir} has {old.shards} shards, not {shards}.",
            f"Pass --rebuild to split it again into {shards}, or leave out --shards to sync "
            f"its {old.shards}.",
        )
    return shards


def merge_reports(reports: list[IndexReport]) -> IndexReport:
    """One report for the whole index from the reports of its shards."""
    merged = IndexReport(workers=len(reports))
    for r in reports:
        merged.added += r.added
        merged.updated += r.updated
        merged.removed += r.removed
        merged.unchanged += r.unchanged
        merged.failed.extend(r.failed)
        merged.warnings.extend(r.warnings)
        merged.transcripts += r.transcripts
        merged.turns += r.turns
        merged.segments += r.segments
        merged.rebuilt = merged.rebuilt or r.rebuilt
        merged.reason = merged.reason or r.reason
        merged.optimized = merged.optimized or r.optimized
        if r.retagged is not None:
            merged.retagged = (merged.retagged or 0) + r.retagged
        merged.new_turns.extend(r.new_turns)
        merged.formats.update(r.formats)
    merged.failed.sort(key=lambda f: f.path)
    merged.warnings.sort(key=lambda w: w.path)
    return merged


def check_shards(index_dir: Path) -> IndexCheck | None:
    """`check_index` on every shard of a sharded index, as one check (problems named by
    shard); None when `index_dir` is not sharded."""
    layout = read_layout(index_dir)
    if layout is None:
        return None
    files = size = turns = 0
    problems: list[tuple[str, str]] = []
    for folder in layout.folders:
        checked = check_index(folder)
        files, size, turns = files + checked.files, size + checked.bytes, turns + checked.turns
        problems += [(f"{folder.name}/{name}", problem) for name, problem in checked.problems]
    return IndexCheck(Path(index_dir), files, size, turns, problems)
