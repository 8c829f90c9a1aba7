import Campaigns
import Foundation
import JobQueue
import Logging
import Postgres
import Synchronization
import Testing
import TestSupport

/// The roles of `migrations/0003_roles.sql`, exercised through the components' own code: each test logs in as a
/// throwaway LOGIN member of one group and runs what that component runs, then what it must not be able to.
@Suite(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test")) struct RolesTests {
    @Test func workerRunsTheQueueAndWritesResults() throws {
        let schema = try RoleSchema()
        defer { schema.drop() }
        let coordinator = try schema.login(as: "viroscope_coordinator")
        let worker = try schema.login(as: "viroscope_worker")
        let campaign = try insertCampaign(named: "roles-worker", on: coordinator.connection)
        let jobIDs = try Enqueue.enqueue([
            NewJob(kind: AnalyseImagesPayload.kind,
                   payload: #"{"campaign": \#(campaign.campaignID), "image_sets": [{"id": \#(campaign.imageSetID)}]}"#,
                   campaignID: campaign.campaignID),
            NewJob(kind: "probe", queue: "probes"),
        ], on: coordinator.connection)

        let connection = worker.connection
        let workerID = try WorkerRegistry.register(host: "node1", pid: 42, version: "test", concurrency: 1,
                                                   queues: ["default", "probes"], on: connection)
        try WorkerRegistry.heartbeat(workerID: workerID, on: connection)
        // What CampaignCatalog and the executor read for a job.
        let campaignRow = try #require(try connection.query(
            "SELECT c.image_root, m.sha256, m.weights FROM campaigns c JOIN models m ON m.id = c.model_id WHERE c.id = $1",
            [campaign.campaignID]).first)
        #expect(try campaignRow.string("sha256") == campaign.modelSHA256)
        #expect(try connection.query("SELECT path FROM images WHERE image_set_id = $1", [campaign.imageSetID]).count == 1)

        let claimed = try Claim.claim(limit: 1, queues: ["default"], lease: .seconds(60), workerID: workerID,
                                      on: connection)
        let job = try #require(claimed.first)
        #expect(job.id == jobIDs[0])
        #expect(try Heartbeat.extendLeases([job], lease: .seconds(60), on: connection) == [job.id])
        try Completion.complete(job, on: connection) { conn in
            // What ResultRows sends: the owner's fenced functions, with this job's lease.
            try recordResult(job: job.id, token: job.leaseToken, imageSet: campaign.imageSetID, workerID: workerID,
                             modelSHA: campaign.modelSHA256, on: conn)
            #expect(try recordNuclei(job: job.id, token: job.leaseToken, imageSet: campaign.imageSetID, count: 2,
                                     on: conn) == 2)
        }

        // Failure, retry, rescue of an expired lease, release at shutdown and the probe's result row.
        let probe = try #require(try Claim.claim(limit: 1, queues: ["probes"], lease: .seconds(60), workerID: workerID,
                                                 on: connection).first)
        #expect(try Failure.fail(probe, error: "boom", policy: RetryPolicy(base: .zero, cap: .zero), on: connection)
                    == .retryScheduled(after: .zero))
        let expiring = try #require(try Claim.claim(limit: 1, queues: ["probes"], lease: .milliseconds(1),
                                                    workerID: workerID, on: connection).first)
        Thread.sleep(forTimeInterval: 0.05)
        #expect(try Rescuer.rescue(policy: RetryPolicy(base: .zero, cap: .zero), on: connection).retried == [expiring.id])
        let again = try #require(try Claim.claim(limit: 1, queues: ["probes"], lease: .seconds(60), workerID: workerID,
                                                 on: connection).first)
        #expect(try Failure.release([again], on: connection) == [again.id])
        let last = try #require(try Claim.claim(limit: 1, queues: ["probes"], lease: .seconds(60), workerID: workerID,
                                                on: connection).first)
        try Completion.complete(last, on: connection) { conn in
            try conn.query("SELECT record_probe_result($1::bigint, $2::uuid, $3::integer, $4::bigint)",
                           [last.id, last.leaseToken, last.attempt, workerID])
        }
        #expect(try Claim.isIdle(queues: ["default", "probes"], on: connection))
        try WorkerRegistry.markStopped(workerID: workerID, on: connection)

        let admin = try schema.adminConnection()
        let states = try admin.query("SELECT state FROM jobs ORDER BY id").map { try $0.string("state") }
        #expect(states == ["succeeded", "succeeded"])
        let result = try #require(try admin.query(
            "SELECT worker_id, nuclei, (SELECT count(*) FROM nuclei) AS nuclei_rows FROM image_results WHERE job_id = $1",
            [job.id]).first)
        #expect(try result.int64("worker_id") == workerID)
        #expect(try result.int("nuclei_rows") == 2)
        #expect(try admin.query("SELECT count(*) AS n FROM job_probe_results")[0].int("n") == 1)
    }

    @Test func workerPoolRunsAsWorkerRole() throws {
        let schema = try RoleSchema()
        defer { schema.drop() }
        let coordinator = try schema.login(as: "viroscope_coordinator")
        let worker = try schema.login(as: "viroscope_worker")
        try Enqueue.enqueue((0..<3).map { index in
            NewJob(kind: "probe", payload: #"{"sleep_ms": 0, "fail_times": \#(index == 0 ? 1 : 0)}"#)
        }, on: coordinator.connection)

        var configuration = WorkerConfiguration(databaseURL: worker.url)
        configuration.exitWhenIdle = true
        configuration.pollInterval = .milliseconds(50)
        configuration.retryPolicy = RetryPolicy(base: .zero, cap: .zero)
        var logger = Logger(label: "viroscope.test.roles")
        logger.logLevel = .warning
        let summary = try WorkerPool(configuration: configuration, logger: logger).run()

        #expect(summary.succeeded == 3 && summary.retried == 1 && summary.discarded == 0)
        let admin = try schema.adminConnection()
        #expect(try admin.query("SELECT count(*) AS n FROM job_probe_results")[0].int("n") == 3)
        #expect(try admin.query("SELECT count(*) AS n FROM workers WHERE stopped_at IS NOT NULL")[0].int("n") == 1)
    }

    @Test func workerCannotChangeSubmissionsNorDeleteResults() throws {
        let schema = try RoleSchema()
        defer { schema.drop() }
        let coordinator = try schema.login(as: "viroscope_coordinator")
        let campaign = try insertCampaign(named: "roles-denied", on: coordinator.connection)
        try Enqueue.enqueue([NewJob(kind: "probe", campaignID: campaign.campaignID)], on: coordinator.connection)
        let admin = try schema.adminConnection()
        try admin.execute("""
            INSERT INTO image_results (image_set_id, job_id, model_sha256, nuclei, infected, software_version, duration_ms)
            VALUES ($1, 1, $2, 0, 0, 'test', 0)
            """, [campaign.imageSetID, campaign.modelSHA256])
        let worker = try schema.login(as: "viroscope_worker").connection

        try expectDenied("UPDATE campaigns SET image_root = '/elsewhere' WHERE id = $1", [campaign.campaignID], on: worker)
        try expectDenied("DELETE FROM campaigns WHERE id = $1", [campaign.campaignID], on: worker)
        try expectDenied("""
            INSERT INTO models (name, sha256, architecture, weights) VALUES ('evil', $1, '{}', '\\x00')
            """, [String(repeating: "b", count: 64)], on: worker)
        try expectDenied("UPDATE models SET weights = '\\x00'", on: worker)
        try expectDenied("INSERT INTO plates (campaign_id, barcode, format) VALUES ($1, 'P2', 96)",
                         [campaign.campaignID], on: worker)
        try expectDenied("UPDATE wells SET control = 'positive'", on: worker)
        try expectDenied("DELETE FROM images", on: worker)
        try expectDenied("INSERT INTO image_sets (well_id, site) VALUES ($1, 9)", [campaign.wellID], on: worker)
        try expectDenied("DELETE FROM image_results WHERE image_set_id = $1", [campaign.imageSetID], on: worker)
        try expectDenied("UPDATE image_results SET infected = 0", on: worker)
        try expectDenied("DELETE FROM nuclei", on: worker)
        // Queue rows: a worker may move a job through its states but not re-target or reprioritise it,
        // enqueue, delete, or pause queues.
        try expectDenied("UPDATE jobs SET payload = '{}'::jsonb, priority = 0", on: worker)
        try expectDenied("INSERT INTO jobs (kind) VALUES ('probe')", on: worker)
        try expectDenied("DELETE FROM jobs", on: worker)
        // Maintenance as the leader: through the owner's functions, not through DELETE rights.
        #expect(try LeaderElection.attempt(workerID: 99, ttl: .seconds(5), on: worker))
        #expect(try Cleaner.clean(olderThan: .seconds(86_400), on: worker) == 0)
        #expect(try Cleaner.pruneWorkers(olderThan: .seconds(86_400), on: worker) == 0)
        _ = try JobCounts.compact(on: worker)
        try expectDenied("DELETE FROM workers", on: worker)
        try expectDenied("DELETE FROM job_count_deltas", on: worker)
        try expectDenied("INSERT INTO queue_pauses (queue) VALUES ('default')", on: worker)
        try expectDenied("SELECT * FROM schema_migrations", on: worker)

        #expect(try admin.query("SELECT count(*) AS n FROM image_results")[0].int("n") == 1)
        #expect(try admin.query("SELECT image_root FROM campaigns")[0].string("image_root") == "/images")
    }

    /// Migration 0009: a worker login acts only on the jobs whose lease it holds. Before it, the worker could mark
    /// a pending job succeeded, read every lease token, and add nuclei to another job's committed result.
    @Test func workerCannotWriteOutsideTheJobsItHolds() throws {
        let schema = try RoleSchema()
        defer { schema.drop() }
        let coordinator = try schema.login(as: "viroscope_coordinator").connection
        let campaign = try insertCampaign(named: "roles-rows", on: coordinator)
        let otherSet = try coordinator.query("INSERT INTO image_sets (well_id, site) VALUES ($1, 2) RETURNING id",
                                             [campaign.wellID])[0].int64("id")
        func payload(_ imageSet: Int64) -> String {
            #"{"campaign": \#(campaign.campaignID), "image_sets": [{"id": \#(imageSet), "nuclear": "a.tif"}]}"#
        }
        let ids = try Enqueue.enqueue([
            NewJob(kind: AnalyseImagesPayload.kind, payload: payload(campaign.imageSetID), campaignID: campaign.campaignID),
            NewJob(kind: AnalyseImagesPayload.kind, payload: payload(otherSet), campaignID: campaign.campaignID),
            NewJob(kind: "probe", queue: "probes"),
        ], on: coordinator)
        let worker = try schema.login(as: "viroscope_worker").connection
        let admin = try schema.adminConnection()

        // Job A completes honestly with one result and two nuclei.
        let a = try #require(try Claim.claim(limit: 1, queues: ["default"], lease: .seconds(60), workerID: 1,
                                             on: worker).first)
        #expect(a.id == ids[0])
        try Completion.complete(a, on: worker) { conn in
            try recordResult(job: a.id, token: a.leaseToken, imageSet: campaign.imageSetID, workerID: 1,
                             modelSHA: campaign.modelSHA256, on: conn)
            _ = try recordNuclei(job: a.id, token: a.leaseToken, imageSet: campaign.imageSetID, count: 2, on: conn)
        }

        // No direct writes to results, nuclei, probe rows or jobs; no reading lease tokens.
        try expectDenied("INSERT INTO nuclei (image_set_id, label, x, y, area, mean_intensity, p_infected) "
                         + "SELECT $1, 100 + n, 0, 0, 1, 0, 0 FROM generate_series(1, 1000) n",
                         [campaign.imageSetID], on: worker)
        try expectDenied("INSERT INTO image_results (image_set_id, job_id, model_sha256, nuclei, infected, "
                         + "software_version, duration_ms) VALUES ($1, $2, 'x', 0, 0, 'x', 0)", [otherSet, ids[1]],
                         on: worker)
        try expectDenied("INSERT INTO job_probe_results (job_id, attempt) VALUES ($1, 1)", [ids[2]], on: worker)
        try expectDenied("UPDATE jobs SET state = 'succeeded', finished_at = now() WHERE id = $1", [ids[1]],
                         on: worker)
        try expectDenied("SELECT lease_token FROM jobs", on: worker)
        // Job A is finished: its lease no longer opens anything.
        try expectDenied("SELECT record_nuclei($1::bigint, $2::uuid, ARRAY[$3::bigint], ARRAY[100], ARRAY[0::real], "
                         + "ARRAY[0::real], ARRAY[1], ARRAY[0::real], ARRAY[NULL::real], ARRAY[0::real])",
                         [a.id, a.leaseToken, campaign.imageSetID], on: worker)

        // Job B is held: still nothing outside its own image sets, and a guessed token opens nothing.
        let b = try #require(try Claim.claim(limit: 1, queues: ["default"], lease: .seconds(60), workerID: 1,
                                             on: worker).first)
        #expect(b.id == ids[1])
        try expectDenied("SELECT record_nuclei($1::bigint, $2::uuid, ARRAY[$3::bigint], ARRAY[100], ARRAY[0::real], "
                         + "ARRAY[0::real], ARRAY[1], ARRAY[0::real], ARRAY[NULL::real], ARRAY[0::real])",
                         [b.id, b.leaseToken, campaign.imageSetID], on: worker)
        #expect(throws: PostgresError.self) {
            try worker.transaction { conn in
                try recordResult(job: b.id, token: b.leaseToken, imageSet: campaign.imageSetID, workerID: 1,
                                 modelSHA: campaign.modelSHA256, on: conn)
            }
        }
        #expect(throws: PostgresError.self) {
            try worker.transaction { conn in
                try recordResult(job: b.id, token: UUID(), imageSet: otherSet, workerID: 1,
                                 modelSHA: campaign.modelSHA256, on: conn)
            }
        }
        try expectDenied("SELECT record_probe_result($1::bigint, $2::uuid, 1, 1)", [ids[2], UUID()], on: worker)
        // Marking jobs it does not hold succeeded or failed: nothing happens.
        for id in ids.dropFirst() {
            #expect(try worker.query("SELECT queue_complete($1::bigint, $2::uuid) AS done", [id, UUID()])[0]
                        .bool("done") == false)
            #expect(try worker.query("SELECT * FROM queue_fail($1::bigint, $2::uuid, 'x', 0, true)", [id, UUID()])
                        .isEmpty)
        }
        #expect(try worker.query("SELECT id FROM queue_complete_batch($1::bigint[], $2::uuid[])",
                                 [Array(ids.dropFirst()), [UUID(), UUID()]]).isEmpty)
        #expect(try worker.query("SELECT id FROM queue_release($1::bigint[], $2::uuid[])",
                                 [Array(ids.dropFirst()), [UUID(), UUID()]]).isEmpty)

        let states = try admin.query("SELECT state FROM jobs ORDER BY id").map { try $0.string("state") }
        #expect(states == ["succeeded", "running", "available"])
        #expect(try admin.query("SELECT count(*) AS n FROM nuclei")[0].int("n") == 2)
        #expect(try admin.query("SELECT count(*) AS n FROM image_results")[0].int("n") == 1)
        #expect(try admin.query("SELECT count(*) AS n FROM job_probe_results")[0].int("n") == 0)
        // The holder itself still completes B.
        try Completion.complete(b, on: worker) { conn in
            try recordResult(job: b.id, token: b.leaseToken, imageSet: otherSet, workerID: 1,
                             modelSHA: campaign.modelSHA256, on: conn)
        }
        #expect(try admin.query("SELECT count(*) AS n FROM image_results WHERE job_id = $1", [b.id])[0].int("n") == 1)
    }

    @Test func readerReadsReportsAndStatusButWritesNothing() throws {
        let schema = try RoleSchema()
        defer { schema.drop() }
        let coordinator = try schema.login(as: "viroscope_coordinator")
        let campaign = try insertCampaign(named: "roles-report", on: coordinator.connection)
        try Enqueue.enqueue([NewJob(kind: AnalyseImagesPayload.kind, campaignID: campaign.campaignID)],
                            on: coordinator.connection)
        let admin = try schema.adminConnection()
        try admin.execute("""
            INSERT INTO image_results (image_set_id, job_id, model_sha256, nuclei, infected, software_version, duration_ms)
            VALUES ($1, 1, $2, 10, 4, 'test', 0)
            """, [campaign.imageSetID, campaign.modelSHA256])
        let reader = try schema.login(as: "viroscope_reader").connection

        let summary = try reader.query("SELECT well, nuclei, infected FROM well_summary WHERE campaign_id = $1",
                                       [campaign.campaignID])
        #expect(try summary.map { try $0.string("well") } == ["B03"])
        #expect(try summary.first?.int("infected") == 4)
        let (info, wells) = try ReportData.load(campaign: "roles-report", on: reader)
        #expect(info.name == "roles-report")
        #expect(wells.map(\.nuclei) == [10])
        let progress = try CampaignProgress.load(campaign: "roles-report", on: reader)
        #expect(progress.imageSetsDone == 1 && progress.jobsByState["available"] == 1)
        #expect(try QueueStatus.fetch(on: reader).jobsByState["available"] == 1)
        // status --campaign's consistency check runs as the reader too.
        #expect(try CampaignConsistency.check(campaignID: campaign.campaignID, on: reader).isConsistent)

        try expectDenied("INSERT INTO campaigns (name, model_id, image_root, nuclear_channel, fingerprint) "
                         + "VALUES ('x', $1, '/', 'w1', 'f')", [campaign.modelID], on: reader)
        try expectDenied("INSERT INTO jobs (kind) VALUES ('probe')", on: reader)
        try expectDenied("UPDATE jobs SET state = 'cancelled'", on: reader)
        try expectDenied("INSERT INTO image_results (image_set_id, job_id, model_sha256, nuclei, infected, "
                         + "software_version, duration_ms) VALUES ($1, 2, 'x', 0, 0, 'x', 0)",
                         [campaign.imageSetID], on: reader)
        try expectDenied("INSERT INTO workers (host, pid, version, concurrency) VALUES ('h', 1, 'v', 1)", on: reader)
        try expectDenied("DELETE FROM image_results", on: reader)
        #expect(throws: PostgresError.self) { try Pause.pause(queue: "default", on: reader) }
        // Reports name the model; its weights are not theirs to copy.
        try expectDenied("SELECT weights FROM models", on: reader)
    }

    @Test func coordinatorSubmitsAndRunsOperatorActions() throws {
        let schema = try RoleSchema()
        defer { schema.drop() }
        let coordinator = try schema.login(as: "viroscope_coordinator").connection
        let campaign = try coordinator.transaction { try insertCampaign(named: "roles-submit", on: $0) }
        let ids = try Enqueue.enqueue([NewJob(kind: "probe", campaignID: campaign.campaignID, maxAttempts: 1),
                                       NewJob(kind: "probe", campaignID: campaign.campaignID)], on: coordinator)
        #expect(ids.count == 2)

        try Pause.pause(queue: "default", on: coordinator)
        #expect(try Pause.pausedQueues(on: coordinator) == ["default"])
        try Pause.resume(queue: "default", on: coordinator)
        #expect(try CampaignControl.cancel(campaignID: campaign.campaignID, on: coordinator) == 2)
        #expect(try CampaignControl.retry(campaignID: campaign.campaignID, on: coordinator) == 2)
        #expect(try CampaignControl.retryDiscarded(on: coordinator) == 0)
        let rescued = try Rescuer.rescue(on: coordinator)
        #expect(rescued.retried.isEmpty && rescued.discarded.isEmpty)
        #expect(try Cleaner.clean(olderThan: .seconds(3600), on: coordinator) == 0)
        #expect(try QueueStatus.fetch(on: coordinator).jobsByState["available"] == 2)
        let progress = try CampaignProgress.load(campaign: "roles-submit", on: coordinator)
        #expect(progress.imageSets == 1)
        // repair --campaign: reads the campaign's jobs and results, enqueues what succeeded jobs did not write.
        #expect(try CampaignConsistency.check(campaignID: campaign.campaignID, on: coordinator).isConsistent)
        #expect(try coordinator.transaction {
            try CampaignConsistency.repair(campaignID: campaign.campaignID, on: $0)
        }.newJobs == 0)

        // Results are the workers' to write; the coordinator only reads them.
        try expectDenied("""
            INSERT INTO image_results (image_set_id, job_id, model_sha256, nuclei, infected, software_version, duration_ms)
            VALUES ($1, 1, 'x', 0, 0, 'x', 0)
            """, [campaign.imageSetID], on: coordinator)
        try expectDenied("DELETE FROM campaigns", on: coordinator)
        try expectDenied("INSERT INTO workers (host, pid, version, concurrency) VALUES ('h', 1, 'v', 1)",
                         on: coordinator)
    }

    @Test func migrationAppliesToManySchemasAtOnce() throws {
        let count = 4
        let outcomes = Mutex<[Result<String, any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: count) { _ in
            let outcome = Result { () throws -> String in
                let schema = try RoleSchema()
                return schema.name
            }
            outcomes.withLock { $0.append(outcome) }
        }
        let results = outcomes.withLock { $0 }
        let names = results.compactMap { try? $0.get() }
        defer { for name in names { RoleSchema.drop(name) } }
        for case .failure(let error) in results { Issue.record("migrating a schema failed: \(error)") }
        #expect(names.count == count)
        let admin = try Connection.connect(url: try RoleSchema.baseURL())
        // Applying again is a no-op (roles exist, grants are recorded as applied).
        if let first = names.first {
            let again = try Connection.connect(url: try RoleSchema.baseURL(), settings: ["search_path": first])
            #expect(try Migrator(directory: RoleSchema.migrationsDirectory).migrate(on: again).isEmpty)
        }
        for name in names {
            let row = try admin.query("""
                SELECT has_schema_privilege('viroscope_worker', $1::text, 'USAGE') AS usage,
                       has_column_privilege('viroscope_worker', format('%I.jobs', $1::text), 'state', 'SELECT')
                           AS jobs,
                       has_column_privilege('viroscope_worker', format('%I.jobs', $1::text), 'priority', 'UPDATE')
                           AS priority,
                       has_table_privilege('viroscope_reader', format('%I.well_summary', $1::text), 'SELECT') AS report,
                       (SELECT count(*) FROM pg_roles WHERE NOT rolcanlogin
                          AND rolname IN ('viroscope_coordinator', 'viroscope_worker', 'viroscope_reader')) AS roles
                """, [name])[0]
            let usage = try row.bool("usage"), jobs = try row.bool("jobs"), report = try row.bool("report")
            #expect(usage && jobs && report, "schema \(name)")
            #expect(try !row.bool("priority"), "schema \(name)")
            #expect(try row.int("roles") == 3)
        }
    }
}

// MARK: - Fixtures

/// A fresh, migrated schema on the test cluster, and LOGIN roles created in the groups for one test.
private final class RoleSchema {
    let name: String
    private let base: String
    private var roles: [String] = []

    static func baseURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["VIROSCOPE_TEST_DATABASE_URL"], !url.isEmpty else {
            throw RolesTestError("VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test")
        }
        return url
    }

    init() throws {
        base = try RoleSchema.baseURL()
        name = "roles_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let admin = try Connection.connect(url: base)
        try admin.executeScript("CREATE SCHEMA " + Connection.quoteIdentifier(name))
        var logger = Logger(label: "viroscope.test.roles")
        logger.logLevel = .warning
        do {
            _ = try Migrator(directory: RoleSchema.migrationsDirectory, logger: logger).migrate(on: try adminConnection())
        } catch {
            RoleSchema.drop(name)
            throw error
        }
    }

    /// The repository's `migrations/`, found from this file's place in `Tests/CampaignsTests/`.
    static let migrationsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("migrations").path

    /// The cluster superuser (the test URL's user), in this schema.
    func adminConnection() throws -> Connection { try Connection.connect(url: url(user: nil)) }

    /// Creates a LOGIN role in `group` (dropped by `drop()`) and connects as it, in this schema. The test cluster
    /// trusts loopback connections, so no password is involved.
    func login(as group: String) throws -> (url: String, connection: Connection) {
        let role = "rt_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let admin = try Connection.connect(url: base)
        try admin.executeScript("CREATE ROLE \(role) LOGIN IN ROLE " + Connection.quoteIdentifier(group))
        roles.append(role)
        let url = try url(user: role)
        return (url, try Connection.connect(url: url))
    }

    func drop() {
        RoleSchema.drop(name)
        guard let admin = try? Connection.connect(url: base) else { return }
        for role in roles { try? admin.executeScript("DROP ROLE IF EXISTS \(role)") }
    }

    static func drop(_ schema: String) {
        guard let base = try? baseURL(), let admin = try? Connection.connect(url: base) else { return }
        try? admin.executeScript("DROP SCHEMA IF EXISTS " + Connection.quoteIdentifier(schema) + " CASCADE")
    }

    private func url(user: String?) throws -> String {
        guard var components = URLComponents(string: base) else { throw RolesTestError("bad test URL \(base)") }
        if let user { components.user = user }
        guard let text = components.string else { throw RolesTestError("cannot build a URL for \(user ?? "admin")") }
        return text + (text.contains("?") ? "&" : "?") + "options=-csearch_path%3D" + name
    }
}

private struct RolesTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

private struct InsertedCampaign {
    let modelID: Int64
    let modelSHA256: String
    let campaignID: Int64
    let wellID: Int64
    let imageSetID: Int64
}

/// The rows a submission writes, one of each, inserted the way `CampaignSubmitter` does.
private func insertCampaign(named name: String, on connection: Connection) throws -> InsertedCampaign {
    let sha = String(repeating: "a", count: 64)
    let modelID = try connection.query("""
        INSERT INTO models (name, sha256, architecture, weights) VALUES ('tiny', $1, '{"layers": []}', '\\x0102')
        ON CONFLICT (sha256) DO NOTHING RETURNING id
        """, [sha])[0].int64("id")
    let campaignID = try connection.query("""
        INSERT INTO campaigns (name, model_id, image_root, nuclear_channel, reporter_channel, settings, fingerprint)
        VALUES ($1, $2, '/images', 'w1', 'w2', '{}'::jsonb, 'f') RETURNING id
        """, [name, modelID])[0].int64("id")
    let plateID = try connection.query(
        "INSERT INTO plates (campaign_id, barcode, format) VALUES ($1, 'P1', 96) RETURNING id", [campaignID])[0]
        .int64("id")
    let wellID = try connection.query("""
        INSERT INTO wells (plate_id, position, treatment, concentration, unit, virus, moi)
        VALUES ($1, 'B03', 'drug', 1.5, 'uM', 'HSV-1', 0.5) RETURNING id
        """, [plateID])[0].int64("id")
    let imageSetID = try connection.query(
        "INSERT INTO image_sets (well_id, site, time_point) VALUES ($1, 1, 1) RETURNING id", [wellID])[0].int64("id")
    try connection.execute("INSERT INTO images (image_set_id, channel, path) VALUES ($1, 'w1', 'P1/B03_s1_w1.tif')",
                           [imageSetID])
    return InsertedCampaign(modelID: modelID, modelSHA256: sha, campaignID: campaignID, wellID: wellID,
                            imageSetID: imageSetID)
}

/// Runs `sql` and expects PostgreSQL to refuse it for lack of privilege (SQLSTATE 42501).
private func expectDenied(_ sql: String, _ params: [(any PostgresValue)?] = [], on connection: Connection,
                          sourceLocation: SourceLocation = #_sourceLocation) throws {
    do {
        _ = try connection.query(sql, params)
        Issue.record("expected permission denied (42501), but it ran: \(sql)", sourceLocation: sourceLocation)
    } catch let error as PostgresError {
        #expect(error.sqlState == "42501", "\(sql): \(error)", sourceLocation: sourceLocation)
    }
}

/// One result row through the fenced function, the way `ResultRows` writes it.
private func recordResult(job: Int64, token: UUID, imageSet: Int64, workerID: Int64, modelSHA: String,
                          on connection: Connection) throws {
    try connection.query("""
        SELECT record_image_results($1::bigint, $2::uuid, $3::bigint, $4::text, '{}'::jsonb, 'test', ARRAY[$5::bigint],
                                    ARRAY[2], ARRAY[1], ARRAY[0.5::real], ARRAY[1], ARRAY[0.5::real],
                                    ARRAY[300::real], ARRAY[NULL::text], ARRAY[1.5::real]) AS n
        """, [job, token, workerID, modelSHA, imageSet])
}

/// `count` nuclei for `imageSet` through the fenced function; returns how many were written.
private func recordNuclei(job: Int64, token: UUID, imageSet: Int64, count: Int, on connection: Connection) throws -> Int {
    let labels = Array(1...count)
    return try connection.query("""
        SELECT record_nuclei($1::bigint, $2::uuid, $3::bigint[], $4::integer[], $5::real[], $5::real[],
                             $4::integer[], $5::real[], $5::real[], $5::real[]) AS n
        """, [job, token, Array(repeating: imageSet, count: count), labels, labels.map { _ in 0.5 }])[0].int("n")
}
