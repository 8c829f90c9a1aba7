/// Every statement the queue runs against `jobs`, `workers` and `queue_pauses`, named, in one place.
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
        WITH c AS MATERIALIZED (
            SELECT id FROM jobs
            WHERE state IN ('available', 'retryable') AND run_at <= now()
              AND queue = ANY(ARRAY(SELECT unnest($1::text[]) EXCEPT SELECT queue FROM queue_pauses))
            ORDER BY priority, run_at, id
            LIMIT $2
            FOR UPDATE SKIP LOCKED)
        UPDATE jobs j SET state = 'running', attempt = j.attempt + 1, lease_token = gen_random_uuid(),
            lease_expires_at = now() + make_interval(secs => $3::float8), worker_id = $4, updated_at = now()
        WHERE j.id = ANY(ARRAY(SELECT id FROM c))
        RETURNING j.id, j.queue, j.kind, j.campaign_id, j.payload::text AS payload, j.attempt, j.max_attempts,
            j.priority, j.lease_token, j.worker_id
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
    static let extendLeases = """
        WITH held AS (
            SELECT j.id FROM jobs j JOIN unnest($1::bigint[], $2::uuid[]) AS d(id, token)
                ON j.id = d.id AND j.lease_token = d.token
            WHERE j.state = 'running'
            FOR UPDATE OF j SKIP LOCKED)
        UPDATE jobs j SET lease_expires_at = now() + make_interval(secs => $3::float8)
        FROM held WHERE j.id = held.id
        RETURNING j.id
        """

    static let complete = """
        UPDATE jobs SET state = 'succeeded', finished_at = now(), updated_at = now(),
            lease_token = NULL, lease_expires_at = NULL
        WHERE id = $1 AND lease_token = $2 AND state = 'running'
        """

    /// Multi-row statements lock their rows in id order first, so two of them can never deadlock.
    static let completeBatch = """
        WITH locked AS (SELECT id FROM jobs WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE)
        UPDATE jobs j SET state = 'succeeded', finished_at = now(), updated_at = now(),
            lease_token = NULL, lease_expires_at = NULL
        FROM unnest($1::bigint[], $2::uuid[]) AS d(id, token), locked
        WHERE j.id = d.id AND locked.id = d.id AND j.lease_token = d.token AND j.state = 'running'
        RETURNING j.id
        """

    /// Records failure $3 of job $1 (lease $2): retryable at now() + $4 seconds, or discarded when the
    /// attempts are used up or $5 (permanent) is true.
    static let fail = """
        UPDATE jobs SET
            state = CASE WHEN attempt >= max_attempts OR $5::boolean THEN 'discarded' ELSE 'retryable' END,
            run_at = CASE WHEN attempt >= max_attempts OR $5::boolean THEN run_at
                          ELSE now() + make_interval(secs => $4::float8) END,
            finished_at = CASE WHEN attempt >= max_attempts OR $5::boolean THEN now() END,
            last_error = $3,
            errors = errors || jsonb_build_array(jsonb_build_object('attempt', attempt, 'at', now(), 'error', $3::text)),
            lease_token = NULL, lease_expires_at = NULL, updated_at = now()
        WHERE id = $1 AND lease_token = $2 AND state = 'running'
        RETURNING state, extract(epoch FROM run_at - now())::float8 AS retry_in
        """

    /// Gives claimed jobs back untouched (shutdown): the attempt is not counted.
    static let release = """
        WITH locked AS (SELECT id FROM jobs WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE)
        UPDATE jobs j SET state = 'available', attempt = greatest(j.attempt - 1, 0), run_at = now(),
            lease_token = NULL, lease_expires_at = NULL, updated_at = now()
        FROM unnest($1::bigint[], $2::uuid[]) AS d(id, token), locked
        WHERE j.id = d.id AND locked.id = d.id AND j.lease_token = d.token AND j.state = 'running'
        RETURNING j.id
        """

    /// Returns up to $1 expired leases to the queue with the normal backoff ($3 base, $4 cap seconds, upper
    /// half jittered), so a job that kills its worker cannot take down worker after worker in a tight loop.
    /// The $2-th rescue of a job (or one out of attempts) discards it.
    static let rescue = """
        WITH expired AS (
            SELECT id FROM jobs WHERE state = 'running' AND lease_expires_at < now()
            ORDER BY lease_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED),
        judged AS (
            SELECT j.id, j.rescues + 1 AS rescues,
                   j.attempt >= j.max_attempts OR j.rescues + 1 >= $2::integer AS discard,
                   CASE WHEN j.rescues + 1 >= $2::integer
                        THEN format('worker died %s times running this job', j.rescues + 1)
                        ELSE 'lease expired' END AS reason,
                   least($4::float8, $3::float8 * power(2::float8, least(greatest(j.attempt - 1, 0), 62)))
                       * (0.5 + random() / 2) AS delay
            FROM jobs j JOIN expired USING (id))
        UPDATE jobs j SET
            rescues = judged.rescues,
            state = CASE WHEN judged.discard THEN 'discarded' ELSE 'retryable' END,
            finished_at = CASE WHEN judged.discard THEN now() END,
            run_at = CASE WHEN judged.discard THEN j.run_at ELSE now() + make_interval(secs => judged.delay) END,
            last_error = judged.reason,
            errors = j.errors || jsonb_build_array(jsonb_build_object('attempt', j.attempt, 'at', now(),
                                                                      'error', judged.reason)),
            lease_token = NULL, lease_expires_at = NULL, updated_at = now()
        FROM judged WHERE j.id = judged.id
        RETURNING j.id, j.state
        """

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
    static let stillHeld = """
        SELECT j.id FROM jobs j JOIN unnest($1::bigint[], $2::uuid[]) AS d(id, token)
            ON j.id = d.id AND j.lease_token = d.token
        WHERE j.state = 'running'
        """

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
