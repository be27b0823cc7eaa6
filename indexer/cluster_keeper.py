"""What a Dask worker keeps between tasks: the shards it has open (imported on workers, and
by `Cluster`, only: it needs Dask)."""

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from distributed import get_worker
from distributed.diagnostics.plugin import WorkerPlugin


class Keeper(WorkerPlugin):
    """Objects a worker keeps by key (an open shard), made on first use, closed with it."""

    def setup(self, worker) -> None:
        self.objects: dict[Any, Any] = {}
        self.lock = threading.Lock()

    def teardown(self, worker) -> None:
        for thing in self.objects.values():
            with contextlib.suppress(Exception):
                thing.close()
        self.objects.clear()

    def get(self, key, make: Callable[[], Any]) -> Any:
        with self.lock:
            thing = self.objects.get(key)
            if thing is None:
                thing = self.objects[key] = make()
            return thing


def keeper() -> Keeper:
    """This worker's keeper (registered by `Cluster` on every worker, old and new)."""
    from indexer.cluster import KEEPER

    worker = get_worker()
    found = worker.plugins.get(KEEPER)
    if not isinstance(found, Keeper):  # a worker that joined while the plugin was being registered
        found = Keeper()
        found.setup(worker)
        worker.plugins[KEEPER] = found
    return found
