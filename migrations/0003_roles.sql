-- Database roles: the coordinator, the workers and the reporting tool each get only what their SQL needs, so a
-- compromised or buggy worker node cannot rewrite a campaign, forge its plate map or erase results.
--
-- Three NOLOGIN group roles; people and services log in as LOGIN roles that are members of one group:
--   viroscope_coordinator  submits campaigns (models, campaigns, plates, wells, image sets, images), enqueues
--                          jobs, runs the operator actions on jobs (retry, cancel, pause/resume, rescue, clean),
--                          reads everything.
--   viroscope_worker       registers and heartbeats in `workers`; claims, heartbeats, completes, fails, releases
--                          and rescues jobs (UPDATE on the lease and outcome columns of `jobs` only); reads the
--                          campaign, model and image rows of its work; inserts image_results, nuclei and
--                          job_probe_results. It cannot change the submission tables nor delete anything.
--   viroscope_reader       SELECT on what `viroscope-report` and `status` read; writes nothing.
--
-- Creating users (as a superuser or a role with CREATEROLE; passwords through psql's \password, not in files):
--   CREATE ROLE coordinator LOGIN IN ROLE viroscope_coordinator;
--   CREATE ROLE worker_node1 LOGIN PASSWORD '...' IN ROLE viroscope_worker;
--   CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE viroscope_reader;
-- or for an existing login: GRANT viroscope_worker TO worker_node1;
-- Group roles have INHERIT semantics by default, so a member uses the group's privileges without SET ROLE.
--
-- This file must run as the owner of the schema and its tables (whoever ran 0001 and 0002: the user of
-- `viroscope-coordinator migrate`), since only an owner can grant on them. Roles are global to the cluster but
-- grants are per schema, so every schema (one per test, or per deployment) gets its own grants below. Creating
-- the roles needs CREATEROLE only the first time; if they already exist (created by a DBA beforehand), the
-- migrating user needs no CREATEROLE at all.
--
-- Privileges that PUBLIC keeps by default and that the components rely on: CONNECT and TEMP on the database,
-- EXECUTE on built-in functions (gen_random_uuid, pg_notify, pg_advisory_xact_lock), LISTEN (needs none).

DO $roles$
DECLARE
    role_name text;
BEGIN
    -- Fixed order, so concurrent migrators of different schemas (parallel tests) wait for each other on the same
    -- role first rather than deadlock; the one that loses the race sees the other's role and moves on.
    FOREACH role_name IN ARRAY ARRAY['viroscope_coordinator', 'viroscope_worker', 'viroscope_reader'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- created meanwhile by a concurrent migration of another schema
            END;
        END IF;
    END LOOP;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO viroscope_coordinator, viroscope_worker, viroscope_reader',
                   current_schema());
END
$roles$;

-- Coordinator ------------------------------------------------------------------------------------------------
GRANT SELECT ON jobs, workers, queue_pauses, job_probe_results, schema_migrations, models, campaigns, plates,
    wells, image_sets, images, image_results, nuclei, well_summary TO viroscope_coordinator;
-- Submission: ModelStore.store and CampaignSubmitter.submit (INSERT ... RETURNING id needs SELECT, granted above;
-- models' ON CONFLICT DO NOTHING needs no UPDATE).
GRANT INSERT ON models, campaigns, plates, wells, image_sets, images TO viroscope_coordinator;
GRANT USAGE ON SEQUENCE models_id_seq, campaigns_id_seq, plates_id_seq, wells_id_seq, image_sets_id_seq
    TO viroscope_coordinator;
-- Enqueue, retry, cancel, rescue (UPDATE), clean (DELETE of old finished jobs), pause/resume.
-- Cancelling a campaign (and retrying it) records that on the campaign, for reports.
GRANT UPDATE (state) ON campaigns TO viroscope_coordinator;
GRANT INSERT, UPDATE, DELETE ON jobs TO viroscope_coordinator;
GRANT USAGE ON SEQUENCE jobs_id_seq TO viroscope_coordinator;
GRANT INSERT, DELETE ON queue_pauses TO viroscope_coordinator;

-- Worker -----------------------------------------------------------------------------------------------------
-- Claim reads the claimable rows and returns the payload; pauses are checked on every claim.
GRANT SELECT ON jobs, queue_pauses TO viroscope_worker;
-- Claim, extendLeases, complete(Batch), fail, release and rescue touch only these columns: a worker cannot
-- re-target a job (queue, kind, campaign_id, payload) nor raise its own priority or attempt budget.
GRANT UPDATE (state, attempt, run_at, lease_expires_at, lease_token, worker_id, last_error, errors, updated_at,
              finished_at) ON jobs TO viroscope_worker;
-- WorkerRegistry: register (RETURNING id), heartbeat, markStopped.
GRANT SELECT (id) ON workers TO viroscope_worker;
GRANT INSERT (host, pid, version, concurrency, queues) ON workers TO viroscope_worker;
GRANT UPDATE (heartbeat_at, stopped_at) ON workers TO viroscope_worker;
GRANT USAGE ON SEQUENCE workers_id_seq TO viroscope_worker;
-- CampaignCatalog and ModelStore.load (the model bytes); image paths of its image sets.
GRANT SELECT ON models, campaigns, image_sets, images TO viroscope_worker;
-- Results, written inside the fenced completion (nuclei by COPY, which needs INSERT). created_at keeps its
-- database default so progress rates cannot be forged.
GRANT INSERT (image_set_id, job_id, worker_id, model_sha256, nuclei, infected, mean_p_infected, reporter_positive,
              threshold, reporter_threshold, settings, software_version, error, duration_ms)
    ON image_results TO viroscope_worker;
GRANT INSERT ON nuclei TO viroscope_worker;
GRANT INSERT (job_id, attempt, worker_id) ON job_probe_results TO viroscope_worker;

-- Reader -----------------------------------------------------------------------------------------------------
-- viroscope-report (ReportData: campaigns, models, well_summary), campaign progress (CampaignProgress) and queue
-- status (QueueStatus). The view runs with its owner's rights, so the reader needs no grant on what it joins.
-- Model weights and architecture are not needed to report, only which model ran.
GRANT SELECT ON well_summary, campaigns, plates, wells, image_sets, images, image_results, jobs, workers,
    queue_pauses TO viroscope_reader;
GRANT SELECT (id, name, sha256, created_at) ON models TO viroscope_reader;
