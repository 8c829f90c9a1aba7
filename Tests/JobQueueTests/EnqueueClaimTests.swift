import Foundation
import JobQueue
import Postgres
import Testing
import TestSupport

/// Notifications for this test's schema (other tests share the database and its channels).
private func mine(_ listener: Connection, within timeout: Duration) throws -> [String] {
    var payloads: [String] = []
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let note = try listener.waitForNotification(timeout: deadline - ContinuousClock.now) { payloads.append(note.payload) }
    }
    let schema = try listener.query("SELECT current_schema() AS s")[0].string("s")
    return payloads.filter { $0.hasPrefix(schema + ":") }
}

@Suite(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct EnqueueClaimTests {
    @Test func enqueueIsAtomicWithTheCallerAndNotifiesOncePerBatch() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let listener = try database.connect()
        try listener.listen(Enqueue.channel)
        let connection = try database.connect()
        let payload = #"{"images": ["a b.tif", "ü\"q"], "n": 3}"#
        let ids = try connection.transaction { conn -> [Int64] in
            let ids = try Enqueue.enqueue([NewJob(kind: "noop", payload: payload, campaignID: 9),
                                           NewJob(kind: "noop", queue: "other"), NewJob(kind: "noop")], on: conn)
            #expect(try mine(listener, within: .milliseconds(100)).isEmpty)
            return ids
        }
        #expect(ids.count == 3 && ids == ids.sorted())
        #expect(try mine(listener, within: .milliseconds(300)) == ["\(database.schema):default,other"])
        let stored = try connection.query("SELECT payload = $1::jsonb AS same, campaign_id FROM jobs WHERE id = $2", [payload, ids[0]])
        #expect(try stored[0].bool("same"))
        #expect(try stored[0].int64("campaign_id") == 9)

        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try connection.transaction { conn in
                try Enqueue.enqueue([NewJob(kind: "noop")], on: conn)
                throw Abort()
            }
        }
        #expect(try connection.query("SELECT count(*) AS n FROM jobs")[0].int("n") == 3)
    }

    @Test func claimTakesPriorityOrderRespectsRunAtAndLeasesOnTheDatabaseClock() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        let ids = try Enqueue.enqueue([
            NewJob(kind: "noop", priority: 5), NewJob(kind: "noop", priority: 1),
            NewJob(kind: "noop", priority: 1, delay: .seconds(3600)), NewJob(kind: "noop", priority: 3),
        ], on: connection)
        let first = try Claim.claim(limit: 2, queues: ["default"], lease: .seconds(30), workerID: 7, on: connection)
        #expect(first.map(\.id) == [ids[1], ids[3]])
        #expect(first.allSatisfy { $0.attempt == 1 && $0.workerID == 7 })
        let lease = try connection.query("""
            SELECT min(extract(epoch FROM lease_expires_at - now())) AS lo, max(extract(epoch FROM lease_expires_at - now())) AS hi
            FROM jobs WHERE state = 'running'
            """)[0]
        #expect(try lease.double("lo") > 25 && lease.double("hi") <= 30)
        let second = try Claim.claim(limit: 10, queues: ["default"], lease: .seconds(30), workerID: 7, on: connection)
        #expect(second.map(\.id) == [ids[0]])
        #expect(try Claim.claim(limit: 10, queues: ["default"], lease: .seconds(30), workerID: 7, on: connection).isEmpty)
        #expect(try Claim.claim(limit: 10, queues: ["elsewhere"], lease: .seconds(30), workerID: 7, on: connection).isEmpty)
    }

    @Test func concurrentClaimersSkipLockedRowsAndNeverShareAJob() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let a = try database.connect()
        let b = try database.connect()
        try Enqueue.enqueue((0..<10).map { _ in NewJob(kind: "noop") }, on: a)
        // A holds its claim's row locks open; B must skip them rather than wait or take them.
        let (fromA, fromB) = try a.transaction { conn in
            let fromA = try Claim.claim(limit: 4, queues: ["default"], lease: .seconds(30), workerID: 1, on: conn)
            let fromB = try Claim.claim(limit: 10, queues: ["default"], lease: .seconds(30), workerID: 2, on: b)
            return (fromA, fromB)
        }
        #expect(fromA.count == 4 && fromB.count == 6)
        #expect(Set(fromA.map(\.id)).isDisjoint(with: fromB.map(\.id)))
    }

    @Test func heartbeatExtendsOnlyLeasesStillHeld() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try Enqueue.enqueue([NewJob(kind: "noop"), NewJob(kind: "noop")], on: connection)
        let jobs = try Claim.claim(limit: 2, queues: ["default"], lease: .seconds(1), workerID: nil, on: connection)
        try #require(jobs.count == 2)
        // The second job's lease went elsewhere.
        try connection.execute("UPDATE jobs SET lease_token = gen_random_uuid() WHERE id = $1", [jobs[1].id])
        let kept = try Heartbeat.extendLeases(jobs, lease: .seconds(120), on: connection)
        #expect(kept == [jobs[0].id])
        let remaining = try connection.query("SELECT extract(epoch FROM lease_expires_at - now()) AS s FROM jobs WHERE id = $1", [jobs[0].id])
        #expect(try remaining[0].double("s") > 100)
    }

    @Test func pausedQueueIsNotClaimedUntilResumed() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try Enqueue.enqueue([NewJob(kind: "noop", queue: "images"), NewJob(kind: "noop", queue: "default")], on: connection)
        try Pause.pause(queue: "images", on: connection)
        try Pause.pause(queue: "images", on: connection)
        #expect(try Pause.pausedQueues(on: connection) == ["images"])
        #expect(try Claim.claim(limit: 5, queues: ["images"], lease: .seconds(30), workerID: nil, on: connection).isEmpty)
        #expect(try Claim.isIdle(queues: ["images"], on: connection))
        #expect(try Claim.claim(limit: 5, queues: ["default"], lease: .seconds(30), workerID: nil, on: connection).count == 1)
        try Pause.resume(queue: "images", on: connection)
        #expect(try !Claim.isIdle(queues: ["images"], on: connection))
        #expect(try Claim.claim(limit: 5, queues: ["images"], lease: .seconds(30), workerID: nil, on: connection).count == 1)
    }
}
