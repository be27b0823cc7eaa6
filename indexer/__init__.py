"""The indexer: transcript files → a Whoosh index of speaker turns.

    parsing/     transcript text → `Transcript` and `Turn`s, roles from labels and
                 self-introductions (pure: no Whoosh; only reading.py opens files)
    annotation/  question–answer exchanges, topics, the speakers file
    storage/     the index on disk: generations, commit records and checksums, the lock
    building/    `index_corpus` (build and sync), `add_transcripts`, parallel workers,
                 sharded indexes built on Dask (`index_shards`)
    cluster      Dask: a scheduler's workers or a local cluster (`Cluster`)
    whoosh_ext/  every use of Whoosh internals, installed by `whoosh_ext.apply()`
    errors, ids, schema, analysis: vocabulary shared with the searcher

This module is the indexer's face to the searcher and the application; its names are loaded
on first use (a search never imports the build machinery).
"""

from importlib import import_module
from typing import TYPE_CHECKING

_EXPORTS = {
    "index_corpus": "indexer.building.build",
    "add_transcripts": "indexer.building.adding",
    "init_topics": "indexer.annotation.topics",
    "IndexReport": "indexer.building.report",
    "open_index": "indexer.storage.store",
    "OpenIndex": "indexer.storage.store",
    "check_index": "indexer.storage.store",
    "IndexCheck": "indexer.storage.store",
    "diagnose": "indexer.storage.store",
    "live_generation": "indexer.storage.store",
    "index_size": "indexer.storage.store",
    "READ_ERRORS": "indexer.storage.store",
    "index_shards": "indexer.building.shards",
    "check_shards": "indexer.building.shards",
    "read_layout": "indexer.building.shards",
    "ShardLayout": "indexer.building.shards",
    "LAYOUT": "indexer.building.shards",
    "Cluster": "indexer.cluster",
    "keeper": "indexer.cluster_keeper",
}

if TYPE_CHECKING:  # the same names, eagerly, for the type checker
    from indexer.annotation.topics import init_topics
    from indexer.building.adding import add_transcripts
    from indexer.building.build import index_corpus
    from indexer.building.report import IndexReport
    from indexer.building.shards import (
        LAYOUT,
        ShardLayout,
        check_shards,
        index_shards,
        read_layout,
    )
    from indexer.cluster import Cluster
    from indexer.cluster_keeper import keeper
    from indexer.storage.store import (
        READ_ERRORS,
        IndexCheck,
        OpenIndex,
        check_index,
        diagnose,
        index_size,
        live_generation,
        open_index,
    )

__all__ = [
    "LAYOUT",
    "READ_ERRORS",
    "Cluster",
    "IndexCheck",
    "IndexReport",
    "OpenIndex",
    "ShardLayout",
    "add_transcripts",
    "check_index",
    "check_shards",
    "diagnose",
    "index_corpus",
    "index_shards",
    "index_size",
    "init_topics",
    "keeper",
    "live_generation",
    "open_index",
    "read_layout",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'indexer' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
