/// Every statement the queue runs against `jobs`, `workers` and `queue_pauses`, named, in one place.
///
/// What a worker does to a job goes through the schema owner's functions of migration 0009 (`queue_claim`,
/// `queue_complete`, …), whose bodies hold the statements: the worker role has no UPDATE on `jobs` and cannot
/// read lease tokens, so it can act only on the jobs whose lease it holds.
///
/// Time always comes from the database (`now()`), never from a worker's clock. Leases are fenced by
/// `lease_token`: a statement that acts on a claimed job matches `id`, `lease_token` and `state = 'running'`,
/// so a worker whose lease was rescued or cancelled cannot touch the job any more.
enum QueueSQL {
    static let notifyChannel = "viroscope_jobs"

    static let enqueue = """
        INSERT INTO jobs (queue, kind, campaign_id, payload, priority, max_attempts, run_at)
        SELECT q, k, c, p, pr, m, now() + make_interval(secs => d)
        FROM unnest($1::text[], $2::text[], $3::bigint[], $4::jsonb[], $5::smallint[], $6::integer[], $7::float8[])
            AS t(q, k, c, p, pr, m, d)
        RETURNING id
        """

    /// Channels are per database, not per schema: the payload names the schema (and the queues) so that
    /// listeners sharing a database can tell whose jobs arrived.
    static let notify = "SELECT pg_notify($1, current_schema() || ':' || $2)"

    /// Claims up to $2 jobs from queues $1 for worker $4 with a lease of $3 seconds.
    ///
    /// The unpaused queues are computed once (an InitPlan) rather than anti-joined per row, which would
    /// make the planner sort the whole table instead of walking `jobs_claimable` in order; the UPDATE finds
    /// the claimed rows by primary key for the same reason.
    static let claim = """
        SELECT id, queue, kind, campaign_id, payload, attempt, max_attempts, priority, lease_token, worker_id
        FROM queue_claim($1::text[], $2::integer, $3::float8, $4::bigint)
        """

    /// True when nothing in queues $1 is claimable now or later (paused queues do not count).
    static let idle = """
        SELECT NOT EXISTS (
            SELECT 1 FROM jobs
            WHERE state IN ('available', 'retryable', 'running') AND queue = ANY($1::text[])
              AND NOT EXISTS (SELECT 1 FROM queue_pauses p WHERE p.queue = jobs.queue)) AS idle
        """

    /// Never waits: a row locked right now is being completed or failed by its worker, so it needs no
    /// extension (and waiting could deadlock with that worker's batch statement).
    static let extendLeases = "SELECT id FROM queue_extend_leases($1::bigint[], $2::uuid[], $3::float8)"

    static let hold = "SELECT queue_hold($1::bigint, $2::uuid) AS held"
    static let complete = "SELECT queue_complete($1::bigint, $2::uuid) AS done"

    /// Multi-row statements lock their rows in id order first, so two of them can never deadlock.
    static let completeBatch = "SELECT id FROM queue_complete_batch($1::bigint[], $2::uuid[])"

    /// Records failure $3 of job $1 (lease $2): retryable at now() + $4 seconds, or discarded when the
    /// attempts are used up or $5 (permanent) is true.
    static let fail = """
        SELECT state, retry_in FROM queue_fail($1::bigint, $2::uuid, $3::text, $4::float8, $5::boolean)
        """

    /// Gives claimed jobs back untouched (shutdown): the attempt is not counted.
    static let release = "SELECT id FROM queue_release($1::bigint[], $2::uuid[])"

    /// Returns up to $1 expired leases to the queue with the normal backoff ($3 base, $4 cap seconds, upper
    /// half jittered), so a job that kills its worker cannot take down worker after worker in a tight loop.
    /// The $2-th rescue of a job (or one out of attempts) discards it.
    static let rescue = "SELECT id, state FROM queue_rescue($1::integer, $2::integer, $3::float8, $4::float8)"

    /// Retention through the schema owner's `clean_finished_jobs` (migration 0005), which never deletes the
    /// jobs of a campaign that still has a job not succeeded.
    static let clean = "SELECT clean_finished_jobs($1::text[], $2::float8, $3::integer) AS n"
    static let pruneWorkers = "SELECT prune_workers($1::float8) AS n"
    static let compactCounts = "SELECT compact_job_counts() AS n"

    /// Takes or renews the maintenance leadership for worker $1 for $2 seconds; a row comes back only to the
    /// leader. Another worker's lease is taken over only once it has expired.
    static let lead = """
        INSERT INTO queue_leader (name, worker_id, elected_at, expires_at)
        VALUES ('maintenance', $1, now(), now() + make_interval(secs => $2::float8))
        ON CONFLICT (name) DO UPDATE SET
            worker_id = EXCLUDED.worker_id,
            elected_at = CASE WHEN queue_leader.worker_id = EXCLUDED.worker_id THEN queue_leader.elected_at ELSE now() END,
            expires_at = EXCLUDED.expires_at
        WHERE queue_leader.worker_id = EXCLUDED.worker_id OR queue_leader.expires_at < now()
        RETURNING worker_id
        """
    static let resign = "DELETE FROM queue_leader WHERE name = 'maintenance' AND worker_id = $1"
    static let leader = """
        SELECT worker_id, extract(epoch FROM expires_at - now())::float8 AS expires_in
        FROM queue_leader WHERE name = 'maintenance'
        """

    /// Of held jobs ($1 ids, $2 tokens) that a heartbeat could not extend, those still this worker's: a row
    /// locked by its own completion is skipped by the heartbeat but not lost. A plain read never waits.
    static let stillHeld = "SELECT id FROM queue_still_held($1::bigint[], $2::uuid[])"

    static let pause = "INSERT INTO queue_pauses (queue) VALUES ($1) ON CONFLICT (queue) DO NOTHING"
    static let resume = "DELETE FROM queue_pauses WHERE queue = $1"
    static let pausedQueues = "SELECT queue FROM queue_pauses ORDER BY queue"

    static let cancelCampaign = """
        WITH locked AS (
            SELECT id FROM jobs WHERE campaign_id = $1 AND state IN ('available', 'retryable', 'running')
            ORDER BY id FOR UPDATE)
        UPDATE jobs j SET state = 'cancelled', finished_at = now(), updated_at = now(),
            lease_token = NULL, lease_expires_at = NULL
        FROM locked WHERE j.id = locked.id AND j.state IN ('available', 'retryable', 'running')
        """

    static let retryCampaign = """
        UPDATE jobs SET state = 'available', attempt = 0, rescues = 0, run_at = now(), finished_at = NULL, updated_at = now()
        WHERE campaign_id = $1 AND state IN ('discarded', 'cancelled')
        """

    static let retryDiscarded = """
        UPDATE jobs SET state = 'available', attempt = 0, rescues = 0, run_at = now(), finished_at = NULL, updated_at = now()
        WHERE state = 'discarded'
        """

    static let registerWorker = """
        INSERT INTO workers (host, pid, version, concurrency, queues) VALUES ($1, $2, $3, $4, $5::text[])
        RETURNING id
        """
    static let workerHeartbeat = "UPDATE workers SET heartbeat_at = now() WHERE id = $1"
    static let workerStopped = "UPDATE workers SET heartbeat_at = now(), stopped_at = now() WHERE id = $1"

    /// Counts come from the delta log (migration 0005), not from a scan of the history.
    static let countsByState = """
        SELECT state, sum(delta)::bigint AS n FROM job_count_deltas GROUP BY state HAVING sum(delta) <> 0
        """
    static let countsByQueueKindState = """
        SELECT queue, kind, state, sum(delta)::bigint AS n FROM job_count_deltas
        GROUP BY queue, kind, state HAVING sum(delta) <> 0
        """
    static let liveWorkers = """
        SELECT id, host, pid, version, concurrency, extract(epoch FROM now() - heartbeat_at)::float8 AS silent_for
        FROM workers WHERE stopped_at IS NULL AND heartbeat_at > now() - make_interval(secs => $1::float8)
        ORDER BY id
        """
    static let throughputLastMinute = """
        SELECT count(*) AS n FROM jobs WHERE state = 'succeeded' AND finished_at > now() - interval '1 minute'
        """
    static let oldestAvailable = """
        SELECT extract(epoch FROM now() - min(run_at))::float8 AS age FROM jobs
        WHERE state IN ('available', 'retryable') AND run_at <= now()
        """
    static let discarded = """
        SELECT id, kind, campaign_id, attempt, last_error FROM jobs WHERE state = 'discarded'
        ORDER BY finished_at DESC NULLS LAST, id DESC LIMIT $1
        """
}
