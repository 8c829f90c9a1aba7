import Foundation
import JobQueue
import Postgres
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `viroscope-worker run --metrics-port`: the real executable serving Prometheus metrics and health over HTTP.
@Suite(.serialized, .enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct WorkerMetricsTests {
    @Test func metricsCountWhatTheWorkerDidAndHealthIsOK() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try Enqueue.enqueue(Array(repeating: probe(sleepMs: 5), count: 10) + [probe(failTimes: 1)], on: connection)
        let port = try freeTCPPort()
        let child = try ChildProcess("viroscope-worker", [
            "run", "--database-url", database.url, "--poll-interval", "100ms", "--retry-base", "0s",
            "--concurrency", "2", "--metrics-host", "127.0.0.1", "--metrics-port", "\(port)",
            "--metrics-sample-interval", "200ms",
        ])
        #expect(try eventually { try count(connection, state: .succeeded) == 11 }, "stderr: \(child.stderr.suffix(2000))")

        // Counters move just after the commit, and queue depth on the next sample: wait for both to settle.
        var metrics = PrometheusText("")
        let settled = try eventually {
            metrics = PrometheusText(try httpGet(port: port, path: "/metrics").body)
            return metrics.value("viroscope_jobs_succeeded_total", kind: "probe") == 11
                && metrics.value("viroscope_queue_depth", kind: "probe", state: "succeeded") == 11
        }
        #expect(settled, "metrics: \(metrics.text)")
        #expect(metrics.value("viroscope_jobs_claimed_total", kind: "probe") == 12)
        #expect(metrics.value("viroscope_jobs_retried_total", kind: "probe") == 1)
        #expect(metrics.value("viroscope_jobs_failed_total", kind: "probe") == 1)
        #expect(metrics.value("viroscope_jobs_discarded_total", kind: "probe") == 0)
        #expect(metrics.value("viroscope_job_duration_seconds_count", kind: "probe") == 12)
        #expect(metrics.value("viroscope_job_duration_seconds_bucket", kind: "probe", extra: "le=\"+Inf\"") == 12)
        #expect(metrics.value("viroscope_queue_depth", kind: "probe", state: "available") == 0)
        #expect(metrics.value("viroscope_db_reconnects_total") == 0)
        #expect(metrics.value("viroscope_lease_lost_total") == 0)
        #expect(metrics.value("viroscope_worker_busy_threads") == 0)
        #expect(metrics.value("viroscope_images_total") == 0)

        let health = try httpGet(port: port, path: "/health")
        #expect(health.status == 200, "health: \(health.body)")
        #expect(health.body.contains("\"status\":\"ok\"") && health.body.contains("\"database\":\"reachable\""))

        child.signal(SIGTERM)
        #expect(try child.wait(timeout: .seconds(20)) == 0, "stderr: \(child.stderr.suffix(2000))")
        #expect(throws: (any Error).self, "the metrics server must stop with the worker") {
            try httpGet(port: port, path: "/health")
        }
    }

    @Test func healthTurns503WhenTheDatabaseCannotBeReached() throws {
        // Nothing listens on this port: the worker keeps trying to connect while /health reports the outage.
        let deadPort = try freeTCPPort()
        let port = try freeTCPPort()
        let child = try ChildProcess("viroscope-worker", [
            "run", "--database-url", "postgresql://nobody@127.0.0.1:\(deadPort)/nothing?connect_timeout=1",
            "--lease", "1s", "--metrics-host", "127.0.0.1", "--metrics-port", "\(port)",
        ])
        defer {
            child.signal(SIGKILL)
            _ = try? child.wait(timeout: .seconds(10))
        }
        #expect(try eventually { (try? httpGet(port: port, path: "/health").status) == 200 }, "stderr: \(child.stderr)")
        var health = (status: 0, body: "")
        #expect(try eventually(timeout: .seconds(25)) {
            health = try httpGet(port: port, path: "/health")
            return health.status == 503
        }, "stderr: \(child.stderr.suffix(2000))")
        #expect(health.body.contains("no successful database round trip"), "health: \(health.body)")
    }

    @Test func aMetricsPortInUseIsAStartupErrorNotASilentWorker() throws {
        let listener = try TCPListener()
        let deadPort = try freeTCPPort()
        let run = try ChildProcess.run("viroscope-worker", [
            "run", "--database-url", "postgresql://nobody@127.0.0.1:\(deadPort)/nothing", "--metrics-host", "127.0.0.1",
        ], environment: ["VIROSCOPE_METRICS_PORT": "\(listener.port)"], timeout: .seconds(30))
        #expect(run.status == 1, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("bind"), "stderr: \(run.stderr)")
    }
}

/// The samples of a Prometheus text exposition, looked up by name and labels.
private struct PrometheusText {
    let text: String

    init(_ text: String) { self.text = text }

    /// The sum over every series of `name` whose labels include `kind`, `state` and `extra` (when given);
    /// nil when no series matches.
    func value(_ name: String, kind: String? = nil, state: String? = nil, extra: String? = nil) -> Double? {
        var wanted: [String] = []
        if let kind { wanted.append("kind=\"\(kind)\"") }
        if let state { wanted.append("state=\"\(state)\"") }
        if let extra { wanted.append(extra) }
        var total: Double?
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let sample = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            let seriesName = series.split(separator: "{", maxSplits: 1).first.map(String.init) ?? ""
            guard seriesName == name, wanted.allSatisfy({ series.contains($0) }) else { continue }
            total = (total ?? 0) + sample
        }
        return total
    }
}

private struct SocketError: Error, CustomStringConvertible {
    let call: String
    let code: Int32
    var description: String { "\(call) failed: \(String(cString: strerror(code)))" }
}

/// An IPv4 TCP socket bound to 127.0.0.1 on a port the kernel picked, listening until deinit.
private final class TCPListener {
    let fd: Int32
    let port: Int

    init(listen shouldListen: Bool = true) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(call: "socket", code: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0, !shouldListen || listen(fd, 4) == 0 else {
            let code = errno
            close(fd)
            throw SocketError(call: "bind/listen", code: code)
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}

/// A port that was free a moment ago (bound, then released), for a child process to bind.
func freeTCPPort() throws -> Int {
    try TCPListener(listen: false).port
}

/// A plain HTTP/1.1 GET to 127.0.0.1, read until the server closes; throws if nothing listens.
func httpGet(port: Int, path: String) throws -> (status: Int, body: String) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SocketError(call: "socket", code: errno) }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw SocketError(call: "connect", code: errno) }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
        throw SocketError(call: "send", code: errno)
    }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 16 * 1024)
    while true {
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 { throw SocketError(call: "recv", code: errno) }
        if count == 0 { break }
        response.append(contentsOf: buffer[..<count])
    }
    let text = String(decoding: response, as: UTF8.self)
    guard let headEnd = text.range(of: "\r\n\r\n"),
          let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap({ Int($0) }) else {
        throw SocketError(call: "parse HTTP response", code: EPROTO)
    }
    return (status, String(text[headEnd.upperBound...]))
}

/// Counts what a `WorkerPool` tells its observer, for checking the hooks without the executable.
private final class RecordingObserver: WorkerObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var claimed = 0
    private var outcomes: [JobAttemptOutcome: Int] = [:]
    private var busy = 0
    private var busyPeak = 0
    private var reachable = 0
    private var durations: [Duration] = []

    func jobsClaimed(_ jobs: [ClaimedJob]) { locked { claimed += jobs.count } }
    func jobFinished(_ job: ClaimedJob, outcome: JobAttemptOutcome, duration: Duration?) {
        locked {
            outcomes[outcome, default: 0] += 1
            if let duration { durations.append(duration) }
        }
    }
    func databaseReachable() { locked { reachable += 1 } }
    func busyThreadsChanged(by delta: Int) {
        locked {
            busy += delta
            busyPeak = max(busyPeak, busy)
        }
    }

    var snapshot: (claimed: Int, outcomes: [JobAttemptOutcome: Int], busy: Int, busyPeak: Int, reachable: Int, durations: [Duration]) {
        locked { (claimed, outcomes, busy, busyPeak, reachable, durations) }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}

@Suite(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct WorkerObserverTests {
    @Test func poolReportsEveryClaimAndOutcomeToItsObserver() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try Enqueue.enqueue(Array(repeating: probe(sleepMs: 20), count: 6)
                            + [probe(failTimes: 1), probe(failTimes: 5, maxAttempts: 1)], on: connection)
        let observer = RecordingObserver()
        let summary = try WorkerPool(configuration: testWorkerConfiguration(database, concurrency: 2, batch: 2),
                                     logger: quietLogger, observer: observer).run()
        let seen = observer.snapshot
        #expect(summary.succeeded == 7 && summary.retried == 1 && summary.discarded == 1)
        #expect(seen.claimed == 9)
        #expect(seen.outcomes == [.succeeded: 7, .retried: 1, .discarded: 1])
        #expect(seen.busy == 0 && seen.busyPeak >= 1 && seen.busyPeak <= 2)
        #expect(seen.reachable >= 1)
        #expect(seen.durations.count == 9)
        // A bound, not a count: on a loaded machine the quick probes may take 20 ms too.
        #expect(seen.durations.filter { $0 >= .milliseconds(20) }.count >= 6, "the sleeping probes' run time is measured")
    }
}
