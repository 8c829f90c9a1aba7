import Foundation
import Postgres
import Testing
import TestSupport

/// ops/k8s is part of the product: a manifest that the API server or KEDA would reject, or an autoscaler
/// query that counts the wrong jobs, must fail the tests, not a facility's first deployment.
@Suite struct KubernetesManifestTests {
    static let root = RepositoryPaths.root

    @Test func manifestsValidateOfflineAndTheCheckRejectsAShortGracePeriod() throws {
        let result = try ChildProcess.run("/bin/bash", [Self.root.appendingPathComponent("ops/check-k8s").path],
                                          timeout: .seconds(600))
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        if result.stdout.contains("SKIPPED") { return }  // no PyPI: said so on stdout, nothing to check against
        #expect(result.stdout.contains("manifests are valid"), "\(result.stdout)")
        #expect(result.stdout.contains("prod.yaml: 8 resources"), "\(result.stdout)")

        // The same checker on a worker that SIGKILL would hit while finishing its jobs, and a KEDA value KEDA
        // cannot read: both must be named.
        let prod = try String(contentsOf: Self.root.appendingPathComponent("ops/k8s/base/worker-deployment.yaml"),
                              encoding: .utf8)
        let scaled = try String(contentsOf: Self.root.appendingPathComponent("ops/k8s/components/keda/scaledobject.yaml"),
                                encoding: .utf8)
        let broken = prod.replacingOccurrences(of: "terminationGracePeriodSeconds: 600",
                                               with: "terminationGracePeriodSeconds: 60")
            + "\n---\n" + scaled.replacingOccurrences(of: "targetQueryValue: \"4\"", with: "targetQueryValue: 4")
        #expect(broken != prod + "\n---\n" + scaled)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString).yaml")
        try broken.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let check = try ChildProcess.run(
            Self.root.appendingPathComponent(".venv-check-k8s/bin/python").path,
            [Self.root.appendingPathComponent("ops/lib/check_k8s.py").path, "--kubernetes-version", "1.32.0",
             "--schemas", Self.root.appendingPathComponent("ops/k8s/schemas").path, "--mode", "rendered", file.path])
        #expect(check.status == 1)
        #expect(check.stderr.contains("terminationGracePeriodSeconds 60 must exceed --shutdown-grace"), "\(check.stderr)")
        #expect(check.stderr.contains("targetQueryValue: 4 is not of type 'string'"), "\(check.stderr)")
    }

    /// The KEDA trigger's query, as written in the manifest (a folded YAML block between `query: >-` and
    /// the next key).
    static func kedaQuery() throws -> String {
        let text = try String(contentsOf: root.appendingPathComponent("ops/k8s/components/keda/scaledobject.yaml"),
                              encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "query: >-" }) else {
            throw QueryNotFound()
        }
        let body = lines[(start + 1)...].prefix { $0.hasPrefix("          ") }
        return body.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    struct QueryNotFound: Error {}

    @Test(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
    func kedaQueryCountsClaimableAndRunningJobsThroughTheLiveIndex() throws {
        let query = try Self.kedaQuery()
        #expect(query.hasPrefix("SELECT count(*) FROM jobs"), "\(query)")
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        // Counted: 2 available, 1 retryable due, 1 running. Not counted: a retry still backing off, finished
        // jobs, another queue.
        try connection.executeScript("""
            INSERT INTO jobs (kind, state, run_at) VALUES ('probe', 'available', now() - interval '1 s'),
                ('probe', 'available', now()), ('probe', 'retryable', now() - interval '1 s'),
                ('probe', 'retryable', now() + interval '1 hour');
            INSERT INTO jobs (kind, state, lease_token, lease_expires_at)
                VALUES ('probe', 'running', gen_random_uuid(), now() + interval '1 minute');
            INSERT INTO jobs (kind, state, finished_at) SELECT 'probe', s, now()
                FROM unnest(ARRAY['succeeded', 'succeeded', 'discarded', 'cancelled']) AS s;
            INSERT INTO jobs (kind, queue) VALUES ('probe', 'other');
            """)
        #expect(try connection.query(query)[0].int("count") == 4)

        // Only unfinished rows are read, however long the history: with sequential scans priced out, the plan
        // walks the jobs_live partial index.
        try connection.execute("SET enable_seqscan = off")
        let plan = try connection.query("EXPLAIN " + query).map { try $0.string("QUERY PLAN") }.joined(separator: "\n")
        #expect(plan.contains("jobs_live"), "\(plan)")
        try connection.execute("RESET enable_seqscan")

        // A paused queue wants no workers (KEDA may scale to zero); resuming it counts the jobs again.
        try connection.execute("INSERT INTO queue_pauses (queue) VALUES ('default')")
        #expect(try connection.query(query)[0].int("count") == 0)
    }
}
