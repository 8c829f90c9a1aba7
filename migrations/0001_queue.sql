-- The job queue. Objects are unqualified so the session's search_path chooses the schema (one per test).
--
-- Finished jobs stay in `jobs` rather than moving to an archive table: completion is then a single UPDATE on
-- the hot path (no INSERT+DELETE), `status` and reports can join results to their job, and the claim path
-- still only touches claimable rows because its index is partial. The cleaner deletes old finished rows.

CREATE TABLE jobs (
    id bigserial PRIMARY KEY,
    queue text NOT NULL DEFAULT 'default',
    kind text NOT NULL,
    campaign_id bigint,                       -- no FK: campaign tables come in a later migration
    payload jsonb NOT NULL DEFAULT '{}'::jsonb,
    state text NOT NULL DEFAULT 'available'
        CHECK (state IN ('available', 'running', 'succeeded', 'retryable', 'discarded', 'cancelled')),
    attempt integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
    priority smallint NOT NULL DEFAULT 100,   -- lower runs first
    run_at timestamptz NOT NULL DEFAULT now(),
    lease_expires_at timestamptz,
    lease_token uuid,
    worker_id bigint,
    last_error text,
    errors jsonb NOT NULL DEFAULT '[]'::jsonb, -- [{attempt, at, error}, ...]
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    CHECK ((state = 'running') = (lease_token IS NOT NULL))
);

-- The claim query's index: only rows that can be claimed, in claim order.
CREATE INDEX jobs_claimable ON jobs (priority, run_at, id) WHERE state IN ('available', 'retryable');
-- The rescuer's index: running jobs by lease expiry.
CREATE INDEX jobs_running_lease ON jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX jobs_campaign ON jobs (campaign_id, state) WHERE campaign_id IS NOT NULL;
-- Cleaner and throughput: finished rows by finish time.
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE workers (
    id bigserial PRIMARY KEY,
    host text NOT NULL,
    pid integer NOT NULL,
    version text NOT NULL,
    concurrency integer NOT NULL,
    queues text[] NOT NULL DEFAULT '{}',
    started_at timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    stopped_at timestamptz
);

CREATE TABLE queue_pauses (
    queue text PRIMARY KEY,
    paused_at timestamptz NOT NULL DEFAULT now()
);

-- Written by the `probe` job kind inside its fenced completion transaction. Deliberately no unique
-- constraint on job_id: tests count rows per job to prove effects happened exactly once.
CREATE TABLE job_probe_results (
    job_id bigint NOT NULL,
    attempt integer NOT NULL,
    worker_id bigint,
    written_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_probe_results_job ON job_probe_results (job_id);
