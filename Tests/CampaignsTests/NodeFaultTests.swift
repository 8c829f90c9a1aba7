import Foundation
import Testing
import Campaigns
import Postgres
import TestSupport

/// A campaign folder this node's user may not enter (a UID mismatch on NFS) is the node's fault: the job is
/// retried (elsewhere, with backoff), never recorded as every image set's permanent error.
@Suite(.serialized, .enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct NodeFaultTests {
    @Test func aFolderThisNodeCannotEnterIsRetriedNotRecordedAsBrokenImages() throws {
        let fixture = try CampaignFixture(wells: 3)
        defer { fixture.tearDown() }
        #expect(try fixture.submit(extra: ["--max-attempts", "2"]).status == 0)
        let folder = fixture.path("PLATE01")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder) }

        // Root reads everything: run the worker as `nobody` then, as a node with the wrong UID would.
        let worker = try BuiltExecutable.path("viroscope-worker")
        let arguments = ["run", "--concurrency", "1", "--exit-when-idle", "--poll-interval", "200ms", "--retry-base", "0s"]
        let run: (status: Int32, stdout: String, stderr: String)
        if getuid() == 0 {
            try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "setpriv is needed to drop root")
            run = try ChildProcess.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", worker]
                                                           + arguments, environment: fixture.environment, timeout: .seconds(120))
        } else {
            run = try ChildProcess.run(worker, arguments, environment: fixture.environment, timeout: .seconds(120))
        }
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        #expect(try fixture.scalar("SELECT count(*) FROM image_results") == 0, "no image set recorded as broken")
        let connection = try fixture.database.connect()
        let job = try connection.query("SELECT state, last_error FROM jobs")[0]
        #expect(try job.string("state") == "discarded")
        let lastError = try job.optionalString("last_error") ?? ""
        #expect(lastError.contains("cannot be read on this node (permission denied"), "\(lastError)")

        // Once the storage is fixed, the campaign is recoverable.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder)
        #expect(try fixture.coordinator(["retry", "--campaign", "c1"]).status == 0)
        #expect(try fixture.drain(concurrency: 1).status == 0)
        #expect(try fixture.scalar("SELECT count(*) FROM image_results WHERE error IS NULL") == 3)
    }
}
