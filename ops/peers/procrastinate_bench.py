#!/usr/bin/env python3
"""Peer benchmark for Viroscope's job queue: Procrastinate on the same PostgreSQL.

Defers N no-op jobs in bulk, drains them with K workers, checks that every job ran
exactly once, and prints one JSON line in the shape `viroscope-worker bench-queue --json`
prints, so ops/bench-queue can put both in one table.

Runs only from ops/bench-queue's git-ignored venv (.venv-bench): procrastinate and
psycopg[binary] are benchmark-only dependencies, never the product's.

Choices, so the comparison stays fair and reproducible:
- Its own database (`bench_procrastinate` by default, dropped and recreated each run) on
  the server the URL names, with Procrastinate's schema applied by its own
  SchemaManager.apply_schema_async(), so no earlier run or other schema skews the result.
- Enqueue: Task.batch_defer_async(), Procrastinate's documented bulk API (one INSERT ...
  SELECT over an array of composite rows per call), in chunks of --defer-batch jobs.
- Drain, two documented ways (--mode):
  * processes (default): K worker processes, each run_worker_async(concurrency=1,
    wait=False). A Python worker is bound to one core by the GIL, so separate processes
    are the faster setting once K > 1 (measured on the project's 2-core machine; see
    docs/deploy.md or the bench-queue output), and they mirror K Viroscope workers each
    claiming on its own connection.
  * concurrency: one process, run_worker_async(concurrency=K, wait=False): K async job
    slots in one event loop.
  wait=False makes each worker exit once it finds the queue empty; the timer stops when
  every worker has exited.
- Timing: "seconds" is enqueue plus drain (wall clock, from the first defer to the last
  worker's exit); "enqueue_seconds" and "drain_seconds" give the two parts.
- Exactly once: afterwards, in the jobs table, N rows, all `succeeded`, none in any other
  status; and in Procrastinate's event log exactly one `started` event per job, so no job
  was executed twice.
- --check-verifier (ops/bench-queue passes it, after the timed part): plants a double start,
  a missing start and a job left to do, one at a time, and fails unless the check rejects
  each, so the check is shown able to fail.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import sys
import time

try:
    import procrastinate
    import psycopg
    from psycopg import conninfo, sql
except ImportError as error:  # pragma: no cover - depends on the venv
    sys.exit(
        f"procrastinate_bench: {error}; run it through ops/bench-queue, which installs "
        "procrastinate and psycopg[binary] into .venv-bench"
    )

TASK_NAME = "viroscope_bench_noop"
QUEUE = "bench"


class _DropMainModuleWarning(logging.Filter):
    """Procrastinate warns when its App lives in __main__ because a separate worker process
    would have to import tasks by path; here the workers are forked from this module and
    find the task in the app's registry, so the warning is noise on the benchmark's stderr."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "action", None) != "app_defined_in___main__"


logging.getLogger("procrastinate.blueprints").addFilter(_DropMainModuleWarning())


def build_app(url: str, pool_size: int) -> procrastinate.App:
    connector = procrastinate.PsycopgConnector(conninfo=url, min_size=1, max_size=pool_size)
    app = procrastinate.App(connector=connector)

    @app.task(name=TASK_NAME, queue=QUEUE)
    async def noop(n: int) -> None:
        """The measured work is the queue's own: fetch, mark started, mark succeeded."""

    return app


def database_url(url: str, database: str) -> str:
    return conninfo.make_conninfo(url, dbname=database)


def recreate_database(url: str, database: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


async def prepare_schema(url: str) -> None:
    app = build_app(url, pool_size=2)
    async with app.open_async():
        await app.schema_manager.apply_schema_async()


async def defer_all(url: str, jobs: int, batch: int) -> None:
    app = build_app(url, pool_size=2)
    async with app.open_async():
        task = app.tasks[TASK_NAME]
        for start in range(0, jobs, batch):
            await task.batch_defer_async(*({"n": n} for n in range(start, min(start + batch, jobs))))


async def run_worker(url: str, concurrency: int) -> None:
    # The pool needs one connection for LISTEN, one per job slot, and one for heartbeats.
    app = build_app(url, pool_size=concurrency + 2)
    async with app.open_async():
        await app.run_worker_async(
            queues=[QUEUE],
            concurrency=concurrency,
            wait=False,
            install_signal_handlers=False,
        )


def worker_process(url: str, concurrency: int) -> None:
    asyncio.run(run_worker(url, concurrency))


def drain(url: str, workers: int, mode: str) -> None:
    if mode == "concurrency":
        asyncio.run(run_worker(url, workers))
        return
    # Fork is fine here: nothing is open yet in the parent at this point that the
    # children would share (each child opens its own pool).
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=worker_process, args=(url, 1)) for _ in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    failed = [p.exitcode for p in processes if p.exitcode != 0]
    if failed:
        sys.exit(f"procrastinate_bench: {len(failed)} worker process(es) failed, exit codes {failed}")


def verify(url: str, jobs: int) -> tuple[bool, dict[str, int], int]:
    with psycopg.connect(url) as connection:
        statuses = dict(
            connection.execute(
                "SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY status"
            ).fetchall()
        )
        multiply_started = connection.execute(
            """SELECT count(*) FROM (
                 SELECT job_id FROM procrastinate_events WHERE type = 'started'
                 GROUP BY job_id HAVING count(*) <> 1) AS s"""
        ).fetchone()[0]
        started_jobs = connection.execute(
            "SELECT count(DISTINCT job_id) FROM procrastinate_events WHERE type = 'started'"
        ).fetchone()[0]
    ok = (
        statuses.get("succeeded", 0) == jobs
        and sum(statuses.values()) == jobs
        and started_jobs == jobs
        and multiply_started == 0
    )
    return ok, statuses, multiply_started


def check_verifier(url: str, jobs: int) -> list[str]:
    """Plants each fault the exactly-once check must catch into a verified run, one at a time, restoring
    the tables after each; returns the faults it missed (none expected), so the check is shown able to
    fail. A fault that could not be planted also counts as missed."""
    faults = {
        "a job started twice": (
            """INSERT INTO procrastinate_events (job_id, type)
               SELECT job_id, 'started' FROM procrastinate_events WHERE type = 'started' LIMIT 1""",
            "DELETE FROM procrastinate_events WHERE id = (SELECT max(id) FROM procrastinate_events)",
        ),
        "a job never started": (
            """UPDATE procrastinate_events SET type = 'deferred'
               WHERE id = (SELECT min(id) FROM procrastinate_events WHERE type = 'started')""",
            """UPDATE procrastinate_events SET type = 'started'
               WHERE id = (SELECT min(e.id) FROM procrastinate_events e WHERE e.type = 'deferred'
                           AND EXISTS (SELECT 1 FROM procrastinate_events d
                                       WHERE d.job_id = e.job_id AND d.type = 'deferred' AND d.id <> e.id))""",
        ),
        "a job left to do": (
            f"""INSERT INTO procrastinate_jobs (queue_name, task_name, args)
                VALUES ('{QUEUE}', '{TASK_NAME}', '{{"n": -1}}')""",
            "DELETE FROM procrastinate_jobs WHERE id = (SELECT max(id) FROM procrastinate_jobs)",
        ),
    }
    missed = []
    for name, (plant, restore) in faults.items():
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(plant)
        if verify(url, jobs)[0]:
            missed.append(name)
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(restore)
    if not verify(url, jobs)[0]:
        missed.append("restoring the planted faults (the clean run no longer verifies)")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True,
                        help="a PostgreSQL URL on the server to use; the benchmark creates its own database there")
    parser.add_argument("--jobs", type=int, default=10000, help="number of no-op jobs to defer and drain")
    parser.add_argument("--workers", type=int, default=4, help="number of concurrent workers (K)")
    parser.add_argument("--mode", choices=("processes", "concurrency"), default="processes",
                        help="K worker processes (default) or one worker with concurrency=K")
    parser.add_argument("--defer-batch", type=int, default=1000, help="jobs per batch_defer_async call")
    parser.add_argument("--database", default="bench_procrastinate",
                        help="database created (dropped first if present) for this run")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of a sentence")
    parser.add_argument("--check-verifier", action="store_true",
                        help="after the run, plant a double start, a missing start and a job left to do and fail "
                             "unless the exactly-once check catches each")
    args = parser.parse_args()
    if args.jobs < 1 or args.workers < 1 or args.defer_batch < 1:
        parser.error("--jobs, --workers and --defer-batch must be at least 1")

    recreate_database(args.database_url, args.database)
    url = database_url(args.database_url, args.database)
    asyncio.run(prepare_schema(url))

    started = time.perf_counter()
    asyncio.run(defer_all(url, args.jobs, args.defer_batch))
    deferred = time.perf_counter()
    drain(url, args.workers, args.mode)
    finished = time.perf_counter()

    exactly_once, statuses, multiply_started = verify(url, args.jobs)
    seconds = finished - started
    result = {
        "system": "procrastinate",
        "jobs": args.jobs,
        "workers": args.workers,
        "seconds": round(seconds, 4),
        "jobs_per_second": round(args.jobs / seconds, 1),
        "exactly_once": exactly_once,
        "enqueue_seconds": round(deferred - started, 4),
        "drain_seconds": round(finished - deferred, 4),
        "mode": args.mode,
        "version": procrastinate.__version__,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"procrastinate {result['version']}: {args.jobs} jobs, {args.workers} workers ({args.mode}) "
              f"in {seconds:.2f} s = {result['jobs_per_second']} jobs/s; exactly once: {exactly_once}")
    if not exactly_once:
        print(f"procrastinate_bench: verification failed: statuses {statuses}, "
              f"jobs started more than once or never: {multiply_started}", file=sys.stderr)
        return 1
    if args.check_verifier:
        missed = check_verifier(url, args.jobs)
        if missed:
            print(f"procrastinate_bench: the exactly-once check missed: {'; '.join(missed)}", file=sys.stderr)
            return 1
        print("procrastinate_bench: the exactly-once check caught every planted fault", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
