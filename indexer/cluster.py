"""Work spread over Dask workers: the shards of a sharded index are built and searched there.

`Cluster` connects to a running scheduler (`dask scheduler` and `dask worker` processes, on
one machine or many) or, without an address, starts a local cluster for as long as it is
open. Work on shard i is pinned to the i-th live worker (workers in address order), so that
worker keeps the shard open between searches (`Keeper`); when that worker is gone the task
runs on another one (`allow_other_workers`), and a task under way on a worker that dies is
run again elsewhere by Dask itself. A task that fails on its worker because the shard cannot
be read there is tried on every other worker before the shard is reported.

Dask does not copy or replicate shard files: every worker must read them at the same path
(shared storage, or the same folder on one machine).
"""

import contextlib
import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

from indexer.errors import ClusterError, IndexMissingError, IndexUnreadableError

CONNECT_SECONDS = 10
KEEPER = "remarks-keeper"
# A shard that raises one of these on a worker may be readable on another (storage that one
# machine lacks): try the others before giving up.
UNREADABLE = (IndexMissingError, IndexUnreadableError, OSError)


def dask_distributed():
    """Import Dask's `distributed`, or say how to install it."""
    try:
        import distributed
    except ImportError:
        raise ClusterError(
            "Sharded indexes run on Dask, which is not installed.",
            "Install it with `pip install 'dask[distributed]'` (remarks's `cluster` extra).",
        ) from None
    return distributed


class Cluster:
    """A Dask client: to the scheduler at `scheduler`, or to a local cluster of `workers`
    processes (one per core by default) started here and stopped by `close`."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None) -> None:
        distributed = self._distributed = dask_distributed()
        self.scheduler = scheduler
        self._local = None
        if scheduler:
            try:
                self.client = distributed.Client(
                    scheduler, timeout=CONNECT_SECONDS, set_as_default=False
                )
            except (OSError, TimeoutError, ValueError) as exc:
                raise ClusterError(
                    f"No Dask scheduler answers at {scheduler} ({exc}).",
                    "Start one with `dask scheduler` and workers with `dask worker ADDRESS`, "
                    "or leave out --scheduler to use this machine alone.",
                ) from None
        else:
            count = workers or len(os.sched_getaffinity(0))
            self._local = distributed.LocalCluster(
                n_workers=max(1, count),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self.client = distributed.Client(self._local, set_as_default=False)
        from indexer.cluster_keeper import Keeper

        self.client.register_plugin(Keeper(), name=KEEPER)

    @property
    def address(self) -> str:
        return self.scheduler or str(self.client.scheduler.address)

    def workers(self) -> list[str]:
        """The addresses of the live workers, in a fixed order (waiting a little for one when
        there is none: a worker reconnecting, or a cluster still starting)."""
        live = sorted(self.client.scheduler_info(n_workers=-1)["workers"])
        if not live:
            with contextlib.suppress(TimeoutError, OSError):
                self.client.wait_for_workers(1, timeout=CONNECT_SECONDS)
            live = sorted(self.client.scheduler_info(n_workers=-1)["workers"])
        return live

    def run(
        self,
        fn: Callable,
        items: Sequence,
        *args: Any,
        name: Callable[[Any], str] = str,
        on_result: Callable[[Any], None] | None = None,
        slots: Sequence[int] | None = None,
    ) -> list:
        """`fn(item, *args)` for every item, item i on live worker i (mod their number);
        the results in the order of `items`. `name` says which item failed in an error;
        `on_result(item)` is called as each result comes in. `slots[i]` pins item i to
        another worker than the i-th (a shard's number when only that shard is asked)."""
        live = self.workers()
        if not live:
            raise ClusterError(
                f"The Dask scheduler at {self.address} has no workers.",
                f"Start some with `dask worker {self.address}`.",
            )
        pins = [live[(slots[i] if slots else i) % len(live)] for i in range(len(items))]
        futures = [
            self.client.submit(
                fn, item, *args, workers=[pins[i]], allow_other_workers=True, pure=False
            )
            for i, item in enumerate(items)
        ]
        if on_result is None:
            # One gather for the lot (a search's round trip); only when a task failed are
            # the futures looked at one by one, below.
            with contextlib.suppress(Exception):
                return list(self.client.gather(futures))
        results: list = [None] * len(items)
        index_of = {future.key: i for i, future in enumerate(futures)}
        for future in self._distributed.as_completed(futures, loop=self.client.loop):
            i = index_of[future.key]
            try:
                results[i] = future.result()
            except UNREADABLE as exc:
                tried = {pins[i]}
                results[i] = self._elsewhere(fn, items[i], args, tried, exc, name)
            except Exception as exc:
                if type(exc).__name__ != "KilledWorker":
                    raise
                raise ClusterError(
                    f"Dask workers kept dying while working on {name(items[i])}.",
                    "Check the workers' logs (memory limits), then try again.",
                ) from None
            if on_result is not None:
                on_result(items[i])
        return results

    def _elsewhere(self, fn, item, args, tried: set[str], first: Exception, name) -> Any:
        """Run a task that failed for want of its files on each other worker in turn."""
        for worker in self.workers():
            if worker in tried:
                continue
            tried.add(worker)
            future = self.client.submit(
                fn, item, *args, workers=[worker], allow_other_workers=False, pure=False
            )
            try:
                return future.result()
            except UNREADABLE:
                continue
        reason = getattr(first, "message", None) or str(first)
        raise ClusterError(
            f"No live Dask worker can read {name(item)}: {reason}",
            "Put the shard folders on storage every worker reads at the same path, or "
            "rebuild them with `remarks index --shards N --rebuild`.",
        ) from None

    def close(self) -> None:
        self.client.close()
        if self._local is not None:
            self._local.close()

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
