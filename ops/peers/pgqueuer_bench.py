#!/usr/bin/env python3
"""Peer benchmark for Viroscope's job queue: PgQueuer on the same PostgreSQL.

Enqueues N no-op jobs in bulk, drains them with K worker processes, checks that every job
ran exactly once, and prints one JSON line in the shape `viroscope-worker bench-queue --json`
prints, so ops/bench-queue can put it in one table with ours and Procrastinate.

Runs only from ops/bench-queue's git-ignored venv (.venv-bench): pgqueuer and asyncpg are
benchmark-only dependencies, never the product's.

Choices, so the comparison stays fair and reproducible:
- Its own database (`bench_pgqueuer` by default, dropped and recreated each run) on the
  server the URL names, with PgQueuer's schema installed by its own Queries.install() (the
  SQL `pgq install` runs), default durability (logged tables, like ours), plus one
  benchmark-only effects table.
- Driver: asyncpg (AsyncpgDriver), PgQueuer's fastest and the one its own benchmark uses.
- Enqueue: Queries.enqueue() with lists, PgQueuer's documented bulk path (one INSERT over
  unnest'ed arrays per call), in chunks of --enqueue-batch jobs.
- Drain: K worker processes (a Python worker is bound to one core by the GIL, as for the
  Procrastinate peer), each a QueueManager on its own connection running
  mode=drain (exits once nothing is queued and its in-flight jobs are done) with
  --batch-size jobs per dequeue (default 100, the batch ours uses in bench-queue).
- Timing: "seconds" is enqueue plus drain (wall clock, from the first enqueue to the last
  worker's exit); "enqueue_seconds" and "drain_seconds" give the two parts.
- Exactly once, checked two ways after the drain:
  * the job's effect: each execution appends its job number to a list in its process, and
    each worker writes its list into `bench_effects` (one COPY, no unique key, so a second
    execution would show up as a duplicate row instead of being rejected) before it exits,
    inside the timed window. Required: N rows, N distinct numbers, all in 0..N-1.
  * PgQueuer's own log: N distinct job ids, each with exactly one `picked` and one
    `successful` row, no `exception`/`canceled`/`failed` rows, and an empty queue table.
  Keeping the effect in memory until the worker exits keeps the job a no-op on the
  database (ours records nothing per job beyond the queue's own writes either).
- --check-verifier (ops/bench-queue passes it, after the timed part): plants a duplicate
  effect, a missing effect, a second pick and a job left queued, one at a time, and fails
  unless the exactly-once check rejects each, so the check is shown able to fail.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import time

try:
    import asyncpg
    import pgqueuer
    from pgqueuer import AsyncpgDriver, Queries, QueueManager
    from pgqueuer.domain.types import QueueExecutionMode
except ImportError as error:  # pragma: no cover - depends on the venv
    sys.exit(
        f"pgqueuer_bench: {error}; run it through ops/bench-queue, which installs "
        "pgqueuer and asyncpg into .venv-bench"
    )

ENTRYPOINT = "viroscope_bench_noop"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def recreate_database(url: str, database: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {quote_identifier(database)} WITH (FORCE)")
        await connection.execute(f"CREATE DATABASE {quote_identifier(database)}")
    finally:
        await connection.close()


async def prepare_schema(url: str, database: str) -> None:
    connection = await asyncpg.connect(url, database=database)
    try:
        await Queries(AsyncpgDriver(connection)).install()
        await connection.execute("CREATE TABLE bench_effects (n integer NOT NULL, pid integer NOT NULL)")
    finally:
        await connection.close()


async def enqueue_all(url: str, database: str, jobs: int, batch: int) -> None:
    connection = await asyncpg.connect(url, database=database)
    try:
        queries = Queries(AsyncpgDriver(connection))
        for start in range(0, jobs, batch):
            numbers = range(start, min(start + batch, jobs))
            await queries.enqueue(
                [ENTRYPOINT] * len(numbers),
                [str(n).encode() for n in numbers],
                [0] * len(numbers),
            )
    finally:
        await connection.close()


async def run_worker(url: str, database: str, batch_size: int) -> None:
    effects: list[int] = []
    connection = await asyncpg.connect(url, database=database)
    try:
        manager = QueueManager(Queries(AsyncpgDriver(connection)))

        @manager.entrypoint(ENTRYPOINT)
        async def noop(job: pgqueuer.Job) -> None:
            """The measured work is the queue's own: dequeue, log, mark done; the effect is one
            list append, written out once at exit."""
            effects.append(int(job.payload or b"-1"))

        await manager.run(batch_size=batch_size, mode=QueueExecutionMode.drain)
        # QueueManager leaves the connection open (the driver does not own it).
        pid = os.getpid()
        await connection.copy_records_to_table(
            "bench_effects", records=[(n, pid) for n in effects], columns=["n", "pid"]
        )
    finally:
        await connection.close()


def worker_process(url: str, database: str, batch_size: int) -> None:
    asyncio.run(run_worker(url, database, batch_size))


def drain(url: str, database: str, workers: int, batch_size: int) -> None:
    # Fork is fine: the parent holds no open connection at this point.
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=worker_process, args=(url, database, batch_size)) for _ in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    failed = [p.exitcode for p in processes if p.exitcode != 0]
    if failed:
        sys.exit(f"pgqueuer_bench: {len(failed)} worker process(es) failed, exit codes {failed}")


async def verify(url: str, database: str, jobs: int) -> tuple[bool, dict[str, int]]:
    connection = await asyncpg.connect(url, database=database)
    try:
        effects = await connection.fetchrow(
            """SELECT count(*) AS rows, count(DISTINCT n) AS distinct_jobs,
                      count(*) FILTER (WHERE n < 0 OR n >= $1) AS out_of_range
               FROM bench_effects""",
            jobs,
        )
        log = await connection.fetchrow(
            """SELECT count(DISTINCT job_id) AS logged_jobs,
                      count(*) FILTER (WHERE status = 'picked') AS picked,
                      count(*) FILTER (WHERE status = 'successful') AS successful,
                      count(*) FILTER (WHERE status NOT IN ('queued', 'picked', 'successful')) AS other
               FROM pgqueuer_log"""
        )
        twice = await connection.fetchval(
            """SELECT count(*) FROM (
                 SELECT job_id FROM pgqueuer_log WHERE status IN ('picked', 'successful')
                 GROUP BY job_id
                 HAVING count(*) FILTER (WHERE status = 'picked') <> 1
                     OR count(*) FILTER (WHERE status = 'successful') <> 1) AS s"""
        )
        left = await connection.fetchval("SELECT count(*) FROM pgqueuer")
    finally:
        await connection.close()
    detail = {
        "effect_rows": effects["rows"],
        "effect_distinct": effects["distinct_jobs"],
        "effect_out_of_range": effects["out_of_range"],
        "logged_jobs": log["logged_jobs"],
        "picked": log["picked"],
        "successful": log["successful"],
        "other_status_rows": log["other"],
        "jobs_not_picked_and_done_once": twice,
        "left_in_queue": left,
    }
    ok = (
        detail["effect_rows"] == jobs
        and detail["effect_distinct"] == jobs
        and detail["effect_out_of_range"] == 0
        and detail["logged_jobs"] == jobs
        and detail["picked"] == jobs
        and detail["successful"] == jobs
        and detail["other_status_rows"] == 0
        and detail["jobs_not_picked_and_done_once"] == 0
        and detail["left_in_queue"] == 0
    )
    return ok, detail


async def check_verifier(url: str, database: str, jobs: int) -> list[str]:
    """Plants each fault the exactly-once check must catch into a verified run and returns the faults it
    missed (none expected), restoring the tables after each, so the check itself is shown able to fail."""
    faults = {
        "a job's effect recorded twice": (
            "INSERT INTO bench_effects (n, pid) VALUES (0, 0)",
            "DELETE FROM bench_effects WHERE pid = 0",
        ),
        "a job's effect missing": (
            "UPDATE bench_effects SET n = -1 - n WHERE n = 0",
            "UPDATE bench_effects SET n = -1 - n WHERE n = -1",
        ),
        "a job picked twice": (
            """INSERT INTO pgqueuer_log (job_id, status, entrypoint, priority)
               SELECT job_id, 'picked', entrypoint, priority FROM pgqueuer_log WHERE status = 'picked' LIMIT 1""",
            """DELETE FROM pgqueuer_log WHERE id = (SELECT max(id) FROM pgqueuer_log)""",
        ),
        "a job left in the queue": (
            f"""INSERT INTO pgqueuer (priority, entrypoint, status, payload)
                VALUES (0, '{ENTRYPOINT}', 'queued', NULL)""",
            "DELETE FROM pgqueuer",
        ),
    }
    missed = []
    for name, (plant, restore) in faults.items():
        connection = await asyncpg.connect(url, database=database)
        try:
            await connection.execute(plant)
        finally:
            await connection.close()
        caught = not (await verify(url, database, jobs))[0]
        connection = await asyncpg.connect(url, database=database)
        try:
            await connection.execute(restore)
        finally:
            await connection.close()
        if not caught:
            missed.append(name)
    if not (await verify(url, database, jobs))[0]:
        missed.append("restoring the planted faults (the clean run no longer verifies)")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True,
                        help="a PostgreSQL URL on the server to use; the benchmark creates its own database there")
    parser.add_argument("--jobs", type=int, default=10000, help="number of no-op jobs to enqueue and drain")
    parser.add_argument("--workers", type=int, default=4, help="number of worker processes (K)")
    parser.add_argument("--batch-size", type=int, default=100, help="jobs per dequeue (QueueManager.run batch_size)")
    parser.add_argument("--enqueue-batch", type=int, default=1000, help="jobs per Queries.enqueue call")
    parser.add_argument("--database", default="bench_pgqueuer",
                        help="database created (dropped first if present) for this run")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of a sentence")
    parser.add_argument("--check-verifier", action="store_true",
                        help="after the run, plant a duplicate, a missing and a stuck job and fail unless the "
                             "exactly-once check catches each")
    args = parser.parse_args()
    if min(args.jobs, args.workers, args.batch_size, args.enqueue_batch) < 1:
        parser.error("--jobs, --workers, --batch-size and --enqueue-batch must be at least 1")

    try:
        asyncio.run(recreate_database(args.database_url, args.database))
        asyncio.run(prepare_schema(args.database_url, args.database))
    except (OSError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        print(f"pgqueuer_bench: cannot prepare database {args.database}: {error}", file=sys.stderr)
        return 1

    started = time.perf_counter()
    asyncio.run(enqueue_all(args.database_url, args.database, args.jobs, args.enqueue_batch))
    enqueued = time.perf_counter()
    drain(args.database_url, args.database, args.workers, args.batch_size)
    finished = time.perf_counter()

    exactly_once, detail = asyncio.run(verify(args.database_url, args.database, args.jobs))
    seconds = finished - started
    result = {
        "system": "pgqueuer",
        "jobs": args.jobs,
        "workers": args.workers,
        "seconds": round(seconds, 4),
        "jobs_per_second": round(args.jobs / seconds, 1),
        "exactly_once": exactly_once,
        "enqueue_seconds": round(enqueued - started, 4),
        "drain_seconds": round(finished - enqueued, 4),
        "batch_size": args.batch_size,
        "version": pgqueuer.__version__,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"pgqueuer {result['version']}: {args.jobs} jobs, {args.workers} worker processes "
              f"in {seconds:.2f} s = {result['jobs_per_second']} jobs/s; exactly once: {exactly_once}")
    if not exactly_once:
        print(f"pgqueuer_bench: verification failed: {detail}", file=sys.stderr)
        return 1
    if args.check_verifier:
        missed = asyncio.run(check_verifier(args.database_url, args.database, args.jobs))
        if missed:
            print(f"pgqueuer_bench: the exactly-once check missed: {'; '.join(missed)}", file=sys.stderr)
            return 1
        print("pgqueuer_bench: the exactly-once check caught every planted fault", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
