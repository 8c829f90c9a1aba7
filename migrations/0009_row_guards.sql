-- Row-level guarantees for the worker role: a worker login can only act on the jobs whose lease it holds.
--
-- Until now a worker had UPDATE on the lease and outcome columns of every job and INSERT on the result tables,
-- and it could read every job's lease token: one worker login could mark pending jobs succeeded (a campaign then
-- sat at 0/96 forever) or add nuclei to another job's committed result. Table and column privileges cannot see
-- lease tokens, so every worker write now goes through the SECURITY DEFINER functions below, owned by the
-- schema owner, which check the fence themselves:
--   * a claim returns a fresh lease token, and only to the claimer: the worker no longer reads `lease_token`;
--   * heartbeat, complete, fail and release act only on `state = 'running' AND lease_token = token`;
--   * rescue acts only on leases that have already expired (any worker may rescue, as before);
--   * results are written only for the image sets in the payload of a job whose lease the caller holds, while it
--     is running, and nuclei only for image sets whose result that same job wrote; the probe's row likewise.
-- Direct UPDATE on `jobs` and INSERT on `image_results`, `nuclei` and `job_probe_results` are revoked from the
-- worker, so the functions are its only way in. The statements are the ones QueueSQL ran before (same indexes,
-- same locking order); each function is pinned to this schema's search_path so a caller's cannot redirect it.

DO $functions$
DECLARE
    path text := format('%I, pg_temp', current_schema());
BEGIN
    -- Claims up to $2 jobs from queues $1 for worker $4 with a lease of $3 seconds (see QueueSQL.claim).
    EXECUTE format($f$
        CREATE FUNCTION queue_claim(text[], integer, float8, bigint)
        RETURNS TABLE (id bigint, queue text, kind text, campaign_id bigint, payload text, attempt integer,
                       max_attempts integer, priority smallint, lease_token uuid, worker_id bigint)
        LANGUAGE sql SECURITY DEFINER SET search_path = %s AS $body$
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
        RETURNING j.id, j.queue, j.kind, j.campaign_id, j.payload::text, j.attempt, j.max_attempts,
            j.priority, j.lease_token, j.worker_id
        $body$ $f$, path);

    -- Heartbeat: extends the leases of the held jobs ($1 ids, $2 tokens) by $3 seconds, never waiting.
    EXECUTE format($f$
        CREATE FUNCTION queue_extend_leases(bigint[], uuid[], float8) RETURNS TABLE (id bigint)
        LANGUAGE sql SECURITY DEFINER SET search_path = %s AS $body$
        WITH held AS (
            SELECT j.id FROM jobs j JOIN unnest($1::bigint[], $2::uuid[]) AS d(id, token)
                ON j.id = d.id AND j.lease_token = d.token
            WHERE j.state = 'running'
            FOR UPDATE OF j SKIP LOCKED)
        UPDATE jobs j SET lease_expires_at = now() + make_interval(secs => $3::float8)
        FROM held WHERE j.id = held.id
        RETURNING j.id
        $body$ $f$, path);

    -- Of the held jobs that a heartbeat could not extend, those still held (a plain read, never waits).
    EXECUTE format($f$
        CREATE FUNCTION queue_still_held(bigint[], uuid[]) RETURNS TABLE (id bigint)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = %s AS $body$
        SELECT j.id FROM jobs j JOIN unnest($1::bigint[], $2::uuid[]) AS d(id, token)
            ON j.id = d.id AND j.lease_token = d.token
        WHERE j.state = 'running'
        $body$ $f$, path);

    -- The first step of a fenced completion: locks job $1 until the caller's transaction ends if $2 is its
    -- lease and it is running. While the caller holds this lock nobody can rescue, cancel or complete the job,
    -- so the results it writes next and its `succeeded` commit together, exactly once.
    EXECUTE format($f$
        CREATE FUNCTION queue_hold(bigint, uuid) RETURNS boolean
        LANGUAGE sql SECURITY DEFINER SET search_path = %s AS $body$
        WITH held AS (SELECT 1 FROM jobs WHERE id = $1 AND lease_token = $2 AND state = 'running' FOR UPDATE)
        SELECT count(*) = 1 FROM held
        $body$ $f$, path);

    EXECUTE format($f$
        CREATE FUNCTION queue_complete(bigint, uuid) RETURNS boolean
        LANGUAGE sql SECURITY DEFINER SET search_path = %s AS $body$
        WITH done AS (
            UPDATE jobs SET state = 'succeeded', finished_at = now(), updated_at = now(),
                lease_token = NULL, lease_expires_at = NULL
            WHERE id = $1 AND lease_token = $2 AND state = 'running'
            RETURNING 1)
        SELECT count(*) = 1 FROM done
        $body$ $f$, path);

    -- Multi-row statements lock their rows in id order first, so two of them can never deadlock.
    EXECUTE format($f$
        CREATE FUNCTION queue_complete_batch(bigint[], uuid[]) RETURNS TABLE (id bigint)
        LANGUAGE sql SECURITY DEFINER SET search_path = %s AS $body$
        WITH locked AS (SELECT id FROM jobs WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE)
        UPDATE jobs j SET state = 'succeeded', finished_at = now(), updated_at = now(),
            lease_token = NULL, lease_expires_at = NULL
        FROM unnest($1::bigint[], $2::uuid[]) AS d(id, token), locked
        WHERE j.id = d.id AND locked.id = d.id AND j.lease_token = d.token AND j.state = 'running'
        RETURNING j.id
        $body$ $f$, path);

    -- Failure $3 of job $1 (lease $2): retryable at now() + $4 seconds, or discarded when the attempts are used
    -- up or $5 (permanent) is true.
    EXECUTE format($f$
        CREATE FUNCTION queue_fail(bigint, uuid, text, float8, boolean) RETURNS TABLE (state text, retry_in float8)
        LANGUAGE sql SECURITY DEFINER SET search_path = %s AS $body$
        UPDATE jobs SET
            state = CASE WHEN attempt >= max_attempts OR $5::boolean THEN 'discarded' ELSE 'retryable' END,
            run_at = CASE WHEN attempt >= max_attempts OR $5::boolean THEN run_at
                          ELSE now() + make_interval(secs => $4::float8) END,
            finished_at = CASE WHEN attempt >= max_attempts OR $5::boolean THEN now() END,
            last_error = $3,
            errors = errors || jsonb_build_array(jsonb_build_object('attempt', attempt, 'at', now(), 'error', $3::text)),
            lease_token = NULL, lease_expires_at = NULL, updated_at = now()
        WHERE id = $1 AND lease_token = $2 AND state = 'running'
        RETURNING state, extract(epoch FROM run_at - now())::float8
        $body$ $f$, path);

    -- Gives held jobs back untouched (shutdown): the attempt is not counted.
    EXECUTE format($f$
        CREATE FUNCTION queue_release(bigint[], uuid[]) RETURNS TABLE (id bigint)
        LANGUAGE sql SECURITY DEFINER SET search_path = %s AS $body$
        WITH locked AS (SELECT id FROM jobs WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE)
        UPDATE jobs j SET state = 'available', attempt = greatest(j.attempt - 1, 0), run_at = now(),
            lease_token = NULL, lease_expires_at = NULL, updated_at = now()
        FROM unnest($1::bigint[], $2::uuid[]) AS d(id, token), locked
        WHERE j.id = d.id AND locked.id = d.id AND j.lease_token = d.token AND j.state = 'running'
        RETURNING j.id
        $body$ $f$, path);

    -- Returns up to $1 expired leases to the queue with the normal backoff ($3 base, $4 cap seconds, upper half
    -- jittered); the $2-th rescue of a job (or one out of attempts) discards it. Only expired leases.
    EXECUTE format($f$
        CREATE FUNCTION queue_rescue(integer, integer, float8, float8) RETURNS TABLE (id bigint, state text)
        LANGUAGE sql SECURITY DEFINER SET search_path = %s AS $body$
        WITH expired AS (
            SELECT id FROM jobs WHERE state = 'running' AND lease_expires_at < now()
            ORDER BY lease_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED),
        judged AS (
            SELECT j.id, j.rescues + 1 AS rescues,
                   j.attempt >= j.max_attempts OR j.rescues + 1 >= $2::integer AS discard,
                   CASE WHEN j.rescues + 1 >= $2::integer
                        THEN format('worker died %%s times running this job', j.rescues + 1)
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
        $body$ $f$, path);

    -- The fence every result write checks: job `job` is running under lease `token`. Raises 42501 otherwise,
    -- the SQLSTATE a missing privilege raises, since that is what it is.
    EXECUTE format($f$
        CREATE FUNCTION require_lease(job bigint, token uuid) RETURNS jsonb
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = %s AS $body$
        DECLARE
            held jsonb;
        BEGIN
            SELECT j.payload INTO held FROM jobs j WHERE j.id = job AND j.lease_token = token AND j.state = 'running';
            IF NOT FOUND THEN
                RAISE EXCEPTION 'job %% is not running under this lease', job USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN held;
        END $body$ $f$, path);

    -- The probe's row (ProbeExecutor), for the job whose lease the caller holds.
    EXECUTE format($f$
        CREATE FUNCTION record_probe_result(job bigint, token uuid, attempt integer, worker bigint) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = %s AS $body$
        BEGIN
            PERFORM require_lease(job, token);
            INSERT INTO job_probe_results (job_id, attempt, worker_id) VALUES (job, attempt, worker);
        END $body$ $f$, path);

    -- One result row per image set of an `analyse-images` job whose lease the caller holds; every image set must
    -- be in that job's payload. The primary key still refuses a second result for an image set.
    EXECUTE format($f$
        CREATE FUNCTION record_image_results(
            job bigint, token uuid, worker bigint, model_sha text, settings jsonb, software text,
            ids bigint[], nuclei_counts integer[], infected_counts integer[], mean_p real[], reporter_positive integer[],
            thresholds real[], reporter_thresholds real[], errors text[], durations real[]) RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = %s AS $body$
        DECLARE
            payload jsonb := require_lease(job, token);
            stranger bigint;
            written integer;
        BEGIN
            SELECT r.id INTO stranger FROM unnest(ids) AS r(id)
            WHERE r.id IS NULL OR r.id NOT IN (
                SELECT (e ->> 'id')::bigint FROM jsonb_array_elements(
                    CASE WHEN jsonb_typeof(payload -> 'image_sets') = 'array' THEN payload -> 'image_sets'
                         ELSE '[]'::jsonb END) AS e)
            LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'image set %% is not in job %%', stranger, job USING ERRCODE = 'insufficient_privilege';
            END IF;
            INSERT INTO image_results (image_set_id, job_id, worker_id, model_sha256, nuclei, infected,
                                       mean_p_infected, reporter_positive, threshold, reporter_threshold, settings,
                                       software_version, error, duration_ms)
            SELECT r.image_set_id, job, worker, model_sha, r.nuclei, r.infected, r.mean_p, r.reporter_positive,
                   r.threshold, r.reporter_threshold, settings, software, r.error, r.duration_ms
            FROM unnest(ids, nuclei_counts, infected_counts, mean_p, reporter_positive, thresholds,
                        reporter_thresholds, errors, durations)
                 AS r (image_set_id, nuclei, infected, mean_p, reporter_positive, threshold, reporter_threshold,
                       error, duration_ms);
            GET DIAGNOSTICS written = ROW_COUNT;
            RETURN written;
        END $body$ $f$, path);

    -- Nuclei only for image sets whose result the same running job wrote (in its completion transaction):
    -- never onto another job's result, never after the job completed.
    EXECUTE format($f$
        CREATE FUNCTION record_nuclei(
            job bigint, token uuid, image_set_ids bigint[], labels integer[], xs real[], ys real[], areas integer[],
            mean_intensities real[], reporter_means real[], p_infected real[]) RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = %s AS $body$
        DECLARE
            stranger bigint;
            written integer;
        BEGIN
            PERFORM require_lease(job, token);
            SELECT s.id INTO stranger FROM (SELECT DISTINCT id FROM unnest(image_set_ids) AS u(id)) AS s
            WHERE s.id IS NULL
               OR NOT EXISTS (SELECT 1 FROM image_results r WHERE r.image_set_id = s.id AND r.job_id = job)
            LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'image set %% has no result from job %%', stranger, job
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            INSERT INTO nuclei (image_set_id, label, x, y, area, mean_intensity, reporter_mean, p_infected)
            SELECT * FROM unnest(image_set_ids, labels, xs, ys, areas, mean_intensities, reporter_means, p_infected);
            GET DIAGNOSTICS written = ROW_COUNT;
            RETURN written;
        END $body$ $f$, path);
END
$functions$;

-- Functions are executable by PUBLIC by default: only the roles whose code calls them.
REVOKE EXECUTE ON FUNCTION queue_claim(text[], integer, float8, bigint), queue_extend_leases(bigint[], uuid[], float8),
    queue_still_held(bigint[], uuid[]), queue_hold(bigint, uuid), queue_complete(bigint, uuid),
    queue_complete_batch(bigint[], uuid[]), queue_fail(bigint, uuid, text, float8, boolean),
    queue_release(bigint[], uuid[]), queue_rescue(integer, integer, float8, float8), require_lease(bigint, uuid),
    record_probe_result(bigint, uuid, integer, bigint),
    record_image_results(bigint, uuid, bigint, text, jsonb, text, bigint[], integer[], integer[], real[], integer[],
                         real[], real[], text[], real[]),
    record_nuclei(bigint, uuid, bigint[], integer[], real[], real[], integer[], real[], real[], real[])
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION queue_claim(text[], integer, float8, bigint), queue_extend_leases(bigint[], uuid[], float8),
    queue_still_held(bigint[], uuid[]), queue_hold(bigint, uuid), queue_complete(bigint, uuid),
    queue_complete_batch(bigint[], uuid[]), queue_fail(bigint, uuid, text, float8, boolean),
    queue_release(bigint[], uuid[]), require_lease(bigint, uuid), record_probe_result(bigint, uuid, integer, bigint),
    record_image_results(bigint, uuid, bigint, text, jsonb, text, bigint[], integer[], integer[], real[], integer[],
                         real[], real[], text[], real[]),
    record_nuclei(bigint, uuid, bigint[], integer[], real[], real[], integer[], real[], real[], real[])
    TO viroscope_worker;
-- `rescue` is also an operator command.
GRANT EXECUTE ON FUNCTION queue_rescue(integer, integer, float8, float8) TO viroscope_worker, viroscope_coordinator;

-- The worker's direct writes go; revoking a table privilege also revokes its column grants (0003, 0005).
REVOKE UPDATE ON jobs FROM viroscope_worker;
REVOKE INSERT ON image_results, nuclei, job_probe_results FROM viroscope_worker;
-- It reads jobs (the idle check) but no longer their lease tokens, which are now the proof of holding a lease.
REVOKE SELECT ON jobs FROM viroscope_worker;
GRANT SELECT (id, queue, kind, campaign_id, payload, state, attempt, max_attempts, priority, run_at, lease_expires_at,
              worker_id, last_error, errors, created_at, updated_at, finished_at, rescues)
    ON jobs TO viroscope_worker;
