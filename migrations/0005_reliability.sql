-- Reliability at facility scale: rescue counting, one maintenance leader, and no periodic statement whose cost
-- grows with the finished history.
--
-- Finished jobs stay in `jobs` (see 0001), so every statement that workers run periodically must touch only
-- live rows: claim and rescue already walk partial indexes; the idle check gets one here, and job counts by
-- state (queue depth, `status`) come from `job_count_deltas` instead of a count over the whole table.

-- How many times a job's lease expired with its worker gone. A job that kills its worker (out of memory, a
-- crash in a C library) is discarded after a few of these instead of taking down worker after worker.
ALTER TABLE jobs ADD COLUMN rescues integer NOT NULL DEFAULT 0 CHECK (rescues >= 0);

-- The idle check (`--exit-when-idle`) and per-queue live counts: only unfinished rows.
CREATE INDEX jobs_live ON jobs (queue, kind, state) WHERE state IN ('available', 'retryable', 'running');
-- Dead letters for `status`, newest first, without reading succeeded rows.
CREATE INDEX jobs_discarded ON jobs (finished_at) WHERE state = 'discarded';
-- Retention's test "does this campaign still have a job not succeeded?": only such rows, never the history.
CREATE INDEX jobs_campaign_unfinished ON jobs (campaign_id) WHERE state <> 'succeeded' AND campaign_id IS NOT NULL;

-- Job counts by queue, kind and state as a log of signed deltas: statement-level triggers append one row per
-- (queue, kind, state) a statement changed, so concurrent completions never contend on a shared counter row
-- (an UPDATE of one counts row would serialise every completion behind it). The maintenance leader folds the
-- log into one row per key (`compact_job_counts`), so reading it costs the number of keys plus the deltas
-- since the last fold, never the size of the history.
CREATE TABLE job_count_deltas (
    queue text   NOT NULL,
    kind  text   NOT NULL,
    state text   NOT NULL,
    delta bigint NOT NULL
);
INSERT INTO job_count_deltas (queue, kind, state, delta)
SELECT queue, kind, state, count(*) FROM jobs GROUP BY queue, kind, state;

-- The trigger functions, the cleaner and the pruner run with their owner's rights (SECURITY DEFINER) so that a
-- worker can do exactly these things and nothing more: it has no DELETE on `jobs` or `workers` and no access
-- to the deltas. Each is pinned to this schema's search_path (created dynamically, one schema per test or
-- deployment) so a caller's search_path cannot redirect it.
DO $functions$
DECLARE
    path text := format('%I, pg_temp', current_schema());
BEGIN
    EXECUTE format($f$
        CREATE FUNCTION job_counts_on_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = %s AS $body$
        BEGIN
            INSERT INTO job_count_deltas (queue, kind, state, delta)
            SELECT queue, kind, state, count(*) FROM new_rows GROUP BY queue, kind, state;
            RETURN NULL;
        END $body$ $f$, path);
    EXECUTE format($f$
        CREATE FUNCTION job_counts_on_delete() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = %s AS $body$
        BEGIN
            INSERT INTO job_count_deltas (queue, kind, state, delta)
            SELECT queue, kind, state, -count(*) FROM old_rows GROUP BY queue, kind, state;
            RETURN NULL;
        END $body$ $f$, path);
    -- Heartbeats update leases without changing states: nothing is appended for them.
    EXECUTE format($f$
        CREATE FUNCTION job_counts_on_update() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = %s AS $body$
        BEGIN
            INSERT INTO job_count_deltas (queue, kind, state, delta)
            SELECT queue, kind, state, sum(d) FROM (
                SELECT n.queue, n.kind, n.state, 1 AS d FROM new_rows n JOIN old_rows o ON o.id = n.id
                WHERE o.state IS DISTINCT FROM n.state OR o.queue IS DISTINCT FROM n.queue OR o.kind IS DISTINCT FROM n.kind
                UNION ALL
                SELECT o.queue, o.kind, o.state, -1 FROM new_rows n JOIN old_rows o ON o.id = n.id
                WHERE o.state IS DISTINCT FROM n.state OR o.queue IS DISTINCT FROM n.queue OR o.kind IS DISTINCT FROM n.kind
            ) changed GROUP BY queue, kind, state HAVING sum(d) <> 0;
            RETURN NULL;
        END $body$ $f$, path);
    -- Folds the delta log into one row per key; the DELETE and INSERT are one statement, so a concurrent
    -- reader sees either the log or its fold, and concurrent appends are not touched.
    EXECUTE format($f$
        CREATE FUNCTION compact_job_counts() RETURNS integer LANGUAGE sql SECURITY DEFINER SET search_path = %s AS $body$
            WITH folded AS (DELETE FROM job_count_deltas RETURNING queue, kind, state, delta),
                 kept AS (INSERT INTO job_count_deltas (queue, kind, state, delta)
                          SELECT queue, kind, state, sum(delta) FROM folded GROUP BY queue, kind, state
                          HAVING sum(delta) <> 0 RETURNING 1)
            SELECT (SELECT count(*) FROM folded)::integer
        $body$ $f$, path);
    -- Retention: deletes up to `batch` jobs in `states` finished before now() - `older_than` seconds, never a
    -- job of a campaign that still has a job not succeeded (a cancelled or failed campaign stays recoverable:
    -- `retry --campaign` needs its jobs, and its history explains what happened).
    -- PL/pgSQL so the cutoff is a value when the statement is planned: the scan then walks `jobs_finished` from
    -- its oldest entry and stops at the cutoff, whatever the size of the history.
    EXECUTE format($f$
        CREATE FUNCTION clean_finished_jobs(states text[], older_than float8, batch integer) RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = %s AS $body$
        DECLARE
            cutoff timestamptz := now() - make_interval(secs => older_than);
            deleted integer;
        BEGIN
            DELETE FROM jobs WHERE id IN (
                SELECT j.id FROM jobs j
                WHERE j.finished_at < cutoff AND j.state = ANY(states)
                  AND (j.campaign_id IS NULL OR NOT EXISTS (
                      SELECT 1 FROM jobs o WHERE o.campaign_id = j.campaign_id AND o.state <> 'succeeded'))
                ORDER BY j.finished_at
                LIMIT batch);
            GET DIAGNOSTICS deleted = ROW_COUNT;
            RETURN deleted;
        END $body$ $f$, path);
    -- Dead workers: stopped, or silent, for longer than `older_than` seconds. Their ids stay on the jobs and
    -- results they touched (no foreign key), so history still says who did what.
    EXECUTE format($f$
        CREATE FUNCTION prune_workers(older_than float8) RETURNS integer LANGUAGE sql SECURITY DEFINER SET search_path = %s AS $body$
            WITH gone AS (
                DELETE FROM workers
                WHERE coalesce(stopped_at, heartbeat_at) < now() - make_interval(secs => older_than)
                RETURNING 1)
            SELECT count(*)::integer FROM gone
        $body$ $f$, path);
END
$functions$;

CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION job_counts_on_insert();
CREATE TRIGGER jobs_count_update AFTER UPDATE ON jobs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION job_counts_on_update();
CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION job_counts_on_delete();

-- One maintenance leader per schema (River's elector): a row with a lease on the database clock. The leader
-- renews it; when it stops renewing (crash, partition) another worker takes over once it expires.
CREATE TABLE queue_leader (
    name       text PRIMARY KEY,
    worker_id  bigint      NOT NULL,
    elected_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

-- Grants for the new objects (roles from 0003). Functions are executable by PUBLIC by default: keep the
-- maintenance ones to the roles that run maintenance.
REVOKE EXECUTE ON FUNCTION compact_job_counts(), clean_finished_jobs(text[], float8, integer), prune_workers(float8)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION compact_job_counts(), clean_finished_jobs(text[], float8, integer), prune_workers(float8)
    TO viroscope_coordinator, viroscope_worker;
GRANT SELECT ON job_count_deltas, queue_leader TO viroscope_coordinator, viroscope_worker, viroscope_reader;
GRANT UPDATE (rescues) ON jobs TO viroscope_worker, viroscope_coordinator;
GRANT INSERT, UPDATE, DELETE ON queue_leader TO viroscope_worker;
-- `retry --campaign --errors` replaces image sets recorded with an error: their result rows go first.
GRANT DELETE ON image_results TO viroscope_coordinator;
