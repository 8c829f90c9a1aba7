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

    static let rescue = """
        WITH expired AS (
            SELECT id FROM jobs WHERE state = 'running' AND lease_expires_at < now()
            ORDER BY lease_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        UPDATE jobs j SET
            state = CASE WHEN j.attempt >= j.max_attempts THEN 'discarded' ELSE 'retryable' END,
            finished_at = CASE WHEN j.attempt >= j.max_attempts THEN now() END,
            run_at = now(), last_error = 'lease expired',
            errors = j.errors || jsonb_build_array(jsonb_build_object('attempt', j.attempt, 'at', now(),
                                                                      'error', 'lease expired')),
            lease_token = NULL, lease_expires_at = NULL, updated_at = now()
        FROM expired WHERE j.id = expired.id
        RETURNING j.id, j.state
        """

    static let clean = """
        DELETE FROM jobs WHERE id IN (
            SELECT id FROM jobs
            WHERE state = ANY($1::text[]) AND finished_at < now() - make_interval(secs => $2::float8)
            LIMIT $3)
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
        UPDATE jobs SET state = 'available', attempt = 0, run_at = now(), finished_at = NULL, updated_at = now()
        WHERE campaign_id = $1 AND state IN ('discarded', 'cancelled')
        """

    static let retryDiscarded = """
        UPDATE jobs SET state = 'available', attempt = 0, run_at = now(), finished_at = NULL, updated_at = now()
        WHERE state = 'discarded'
        """

    static let registerWorker = """
        INSERT INTO workers (host, pid, version, concurrency, queues) VALUES ($1, $2, $3, $4, $5::text[])
        RETURNING id
        """
    static let workerHeartbeat = "UPDATE workers SET heartbeat_at = now() WHERE id = $1"
    static let workerStopped = "UPDATE workers SET heartbeat_at = now(), stopped_at = now() WHERE id = $1"

    static let countsByState = "SELECT state, count(*) AS n FROM jobs GROUP BY state"
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
