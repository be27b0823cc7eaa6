"""Build a new index generation in worker processes that each write their own Whoosh segments.

One Whoosh writer uses one core. Here each worker process reads, parses, annotates and
indexes a contiguous share of the corpus files into segments of its own, starting a new
segment every `SEGMENT_TURNS` turns (what a writer holds in memory grows with its segment, so
this bounds memory at any corpus size), and the parent lists all the segments in one commit.
Segments are not merged afterwards: Whoosh merges in one process, which would cost about as
much as writing them. Shares are contiguous and segments are listed in order, so documents
keep the corpus order a single writer gives them.
"""

import contextlib
import ctypes
import ctypes.util
import errno
import multiprocessing
import os
import queue
import signal
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index

from indexer.analysis import recording_stems, stems_of
from indexer.building.ingest import Annotations, load_source, write_transcript
from indexer.building.report import IndexReport
from indexer.errors import BuildError
from indexer.parsing.reading import SourceFile
from indexer.storage.store import is_disk_full
from indexer.whoosh_ext.writer import finish_segment, segment_writer

SEGMENT_TURNS = 60_000
MIN_PARALLEL_BYTES = 4_000_000  # below this, starting workers costs more than it saves
MAX_WORKERS = 8
POLL_SECONDS = 0.5
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


@dataclass
class ShareResult:
    """What one worker wrote: its segments, counts, problems and the stems of its words."""

    segments: list = field(default_factory=list)
    report: IndexReport = field(default_factory=IndexReport)
    stems: dict[str, str] = field(default_factory=dict)


def worker_count(files: list[SourceFile], requested: int | None = None) -> int:
    """Return how many worker processes to build with (1: build in this process)."""
    if requested is not None:
        return max(1, min(requested, len(files)))
    if sum(f.size for f in files) < MIN_PARALLEL_BYTES:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), MAX_WORKERS, len(files)))


def split_shares(files: list[SourceFile], n: int) -> list[list[SourceFile]]:
    """Split `files` into `n` contiguous shares of about equal bytes.

    A file weighs at most a quarter of a share: one huge file (a corpus dump beside the
    transcripts, which is then skipped) must not leave every other file to one worker.
    """
    cap = max(1, sum(max(f.size, 0) for f in files) // (4 * n))
    weights = [min(max(f.size, 0), cap) for f in files]
    total = sum(weights) or 1
    shares: list[list[SourceFile]] = [[] for _ in range(n)]
    seen = 0
    for f, weight in zip(files, weights, strict=True):
        share = min(n - 1, seen * n // total)
        shares[share].append(f)
        seen += weight
    return [s for s in shares if s]


def write_in_workers(
    gen: Path,
    corpus: Path,
    files: list[SourceFile],
    annotations: Annotations,
    workers: int,
    limitmb: int,
    on_file: Callable[[SourceFile], None],
) -> list[ShareResult]:
    """Index `files` into new segments of the Whoosh index in `gen`, in worker processes.

    Returns one result per share, in corpus order. The caller commits the segments.
    """
    context = multiprocessing.get_context("spawn")  # no fork: the caller may run threads
    messages = context.Queue()
    shares = split_shares(files, workers)
    by_rel = {f.rel: f for f in files}
    procs = [
        context.Process(
            target=_work,
            args=(
                i,
                _Share(str(gen), corpus, share, annotations, limitmb, SEGMENT_TURNS),
                messages,
            ),
            daemon=True,
        )
        for i, share in enumerate(shares)
    ]
    for proc in procs:
        proc.start()
    results: dict[int, ShareResult] = {}
    try:
        while len(results) < len(procs):
            try:
                kind, i, payload = messages.get(timeout=POLL_SECONDS)
            except queue.Empty:
                _check_alive(procs, results)
                continue
            if kind == "file":
                on_file(by_rel[payload])
            elif kind == "done":
                results[i] = payload
            elif kind == "disk full":
                raise OSError(errno.ENOSPC, payload)
            else:
                raise BuildError(
                    f"An indexing worker failed:\n{payload}",
                    "Run `remarks index --rebuild --workers 1` to index in one process, "
                    "and report the error if it happens again.",
                )
    finally:
        for proc in procs:
            if proc.is_alive() and len(results) < len(procs):
                proc.terminate()
            proc.join()
    return [results[i] for i in range(len(procs))]


def _check_alive(procs, results: dict) -> None:
    for i, proc in enumerate(procs):
        if i not in results and proc.exitcode not in (None, 0):
            raise BuildError(
                f"An indexing worker process stopped unexpectedly (exit code {proc.exitcode}); "
                "the last good index is unchanged.",
                "If the machine ran out of memory, run `remarks index --rebuild --workers 1`.",
            )


@dataclass(frozen=True)
class _Share:
    """A worker's job: its files, and where and how to index them."""

    gen: str
    corpus: Path
    files: list[SourceFile]
    annotations: Annotations
    limitmb: int
    segment_turns: int
    parent: int = field(default_factory=os.getpid)


def _work(i: int, share: _Share, messages) -> None:
    _die_with_parent(share.parent)
    try:
        messages.put(("done", i, _write_share(share, messages)))
    except OSError as exc:
        if is_disk_full(exc):
            messages.put(("disk full", i, str(exc)))
        else:
            messages.put(("error", i, traceback.format_exc(limit=8)))
    except BaseException:
        messages.put(("error", i, traceback.format_exc(limit=8)))


def _die_with_parent(parent: int) -> None:
    """End this worker as soon as the process that started it is gone, however it ended.

    On Linux the kernel sends SIGKILL when the parent dies (`prctl(PR_SET_PDEATHSIG)`);
    elsewhere, or if the parent died before that was set, a thread that watches the parent
    id ends the process. Without this a worker whose parent was killed kept running, then
    waited forever to hand over its result, holding memory and the parent's output open.
    """
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _write_share(share: _Share, messages) -> ShareResult:
    from indexer import whoosh_ext

    whoosh_ext.apply()
    ix = whoosh_index.open_dir(share.gen)
    result = ShareResult()
    writer, turns = None, 0
    with recording_stems() as words:
        for source in share.files:
            if os.getppid() != share.parent:  # the parent is gone: nobody will commit this
                raise SystemExit(1)
            loaded = load_source(share.corpus, source, result.report)
            if loaded is not None:
                writer = writer or segment_writer(ix, share.limitmb, lock=False)
                turns += len(write_transcript(writer, source, loaded, share.annotations))
                result.report.added += 1
                if turns >= share.segment_turns:
                    result.segments.append(finish_segment(writer))
                    writer, turns = None, 0
            messages.put(("file", None, source.rel))
        if writer is not None:
            result.segments.append(finish_segment(writer))
        result.stems = stems_of(words)
    return result
