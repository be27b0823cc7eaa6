"""A sharded index on Dask against one index over the same turns, in one run.

    python -m benchmarks.shards                      # quick: 100k turns
    python -m benchmarks.shards --size 1000000       # for the record (README)

The corpus is the scale benchmark's (benchmarks/scale.py: real kremlin.ru turns repeated
with variation). One index is built as `remarks index` builds it (every core), in its own
process; the sharded index (`--shards`, default 4) on a local Dask cluster of `--workers`
processes (default 2, one thread each), started here. Recorded: build wall time and CPU
seconds, peak memory (of the one-index build's process tree; of each Dask worker, its own
peak resident size), index size; then warm latency of the scale benchmark's 300 mixed
queries (top 10 with snippets) on one index, on the shards through the cluster, and on the
shards in this process; and the cost of each part: phase one alone (the statistics round
trip) and an empty task on every shard (what Dask itself costs per round trip). The
machine's other CPU use during each build is recorded from /proc/stat. Saves
benchmarks/results/shards.json.
"""

import argparse
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.scale import RESULTS, child, cpu_ticks, generate, mixed_queries, percentile

PAGE = os.sysconf("SC_PAGE_SIZE")


def own_cpu() -> float:
    """CPU seconds of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def latencies(search, queries) -> dict:
    """Warm latencies of `queries`, after the first (cold) query and a warm-up. A query that
    runs past the search budget (QueryTooCostlyError, 5 s) is counted as stopped, with the
    time it took, and the run goes on (at 1M turns the first search of a cold index did)."""
    from searcher import Filters, QueryTooCostlyError

    def timed(text, filters) -> tuple[float, bool]:
        started = time.perf_counter()
        try:
            search(text, Filters(**filters))
        except QueryTooCostlyError:
            return (time.perf_counter() - started) * 1000, True
        return (time.perf_counter() - started) * 1000, False

    first, first_stopped = timed(*queries[0])
    for text, filters in queries[:30]:  # warm up: files in the page cache, shards open
        timed(text, filters)
    measured = [timed(text, filters) for text, filters in queries]
    result = summary([ms for ms, _ in measured])
    result["stopped"] = sum(stopped for _, stopped in measured)
    result["first_query_ms"] = round(first, 1)
    result["first_query_stopped"] = first_stopped
    return result


def summary(times: list[float]) -> dict:
    return {
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "p99_ms": round(percentile(times, 99), 1),
        "mean_ms": round(statistics.fmean(times), 1),
    }


def worker_peaks(client) -> dict[str, float]:
    """Each Dask worker's peak resident memory in MB (its own process)."""

    def peak() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    return {address: round(mb, 1) for address, mb in client.run(peak).items()}


def run(size: int, shards: int, workers: int, keep: Path | None) -> dict:
    from distributed import Client, LocalCluster

    from indexer import index_shards
    from searcher import open_index
    from searcher.session import TurnIndex
    from searcher.shards import ShardedIndex

    results: dict = {"size": size, "shards": shards, "workers": workers}
    with tempfile.TemporaryDirectory(dir=keep) as tmp:
        folder = Path(tmp)
        generate(size, folder)
        # One index: as `remarks index` builds it, in its own process.
        busy0 = cpu_ticks()
        one = child("build", "remarks", folder)
        busy1 = cpu_ticks()
        ticks = os.sysconf("SC_CLK_TCK")
        one["machine_cpu_seconds"] = round((busy1 - busy0) / ticks, 1)
        one["other_cpu_seconds"] = round(one["machine_cpu_seconds"] - one["cpu_seconds"], 1)
        one["index_mb"] = round(one["index_bytes"] / 2**20, 1)
        results["one_index_build"] = one
        print("one index:", json.dumps(one), flush=True)
        save(results)
        # Shards: a local Dask cluster of `workers` processes, started here.
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
        try:
            address = cluster.scheduler_address
            busy0 = cpu_ticks()
            cpu0 = own_cpu()
            workers_cpu0 = sum(client.run(own_cpu).values())
            started = time.perf_counter()
            report = index_shards(folder / "corpus", folder / "sharded", shards, scheduler=address)
            seconds = time.perf_counter() - started
            workers_cpu = sum(client.run(own_cpu).values()) - workers_cpu0
            busy1 = cpu_ticks()
            used = own_cpu() - cpu0 + workers_cpu
            sharded = {
                "turns": report.turns,
                "seconds": round(seconds, 1),
                "cpu_seconds": round(used, 1),
                "machine_cpu_seconds": round((busy1 - busy0) / ticks, 1),
                "worker_peak_mb": worker_peaks(client),
                "index_mb": round(folder_bytes(folder / "sharded") / 2**20, 1),
                "shard_turns": list(report_turns(folder / "sharded")),
            }
            sharded["other_cpu_seconds"] = round(sharded["machine_cpu_seconds"] - used, 1)
            results["sharded_build"] = sharded
            print("sharded:", json.dumps(sharded), flush=True)
            save(results)
            queries = mixed_queries(300)
            with TurnIndex(folder / "remarks") as turns:
                from searcher.search import search

                results["one_index_search"] = latencies(
                    lambda t, f: search(turns, t, f, limit=10), queries
                )
            print("one index search:", results["one_index_search"], flush=True)
            with open_index(folder / "sharded", scheduler=address) as many:
                assert isinstance(many, ShardedIndex)
                results["sharded_search_dask"] = latencies(
                    lambda t, f: many.search(t, f, limit=10), queries
                )
                results["phase_one_dask"] = latencies(
                    lambda t, f: many.shards.each("stats", t, f), queries
                )
                results["empty_round_trip_dask"] = latencies(
                    lambda t, f: many.shards.each("turn_count"), queries[:100]
                )
            print("sharded search (Dask):", results["sharded_search_dask"], flush=True)
            with open_index(folder / "sharded") as many:
                results["sharded_search_in_process"] = latencies(
                    lambda t, f: many.search(t, f, limit=10), queries
                )
            print("sharded search (in process):", results["sharded_search_in_process"])
            results["worker_peak_mb_after_search"] = worker_peaks(client)
        finally:
            client.close()
            cluster.close()
    results["load_average_after"] = os.getloadavg()
    return results


def report_turns(index_dir: Path):
    from indexer import read_layout

    layout = read_layout(index_dir)
    return layout.turns if layout else ()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="turns (default 100k)")
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes")
    parser.add_argument("--tmp", type=Path, default=None, help="where to build (big at 1M)")
    args = parser.parse_args()
    results = run(args.size, args.shards, args.workers, args.tmp)
    out = save(results)
    print(json.dumps(results, indent=1))
    print(f"Saved {out}")


def save(results: dict) -> Path:
    """Write what has been measured so far (a long run that fails late keeps its builds)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"shards-{results['size']}.json"
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return out


if __name__ == "__main__":
    main()
