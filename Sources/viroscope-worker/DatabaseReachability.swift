import Foundation
import Postgres
import Synchronization
import Telemetry

/// When this worker last talked to the database successfully, and whether its claims work, for `/health`.
///
/// Claims, lease heartbeats and the queue-depth sampler mark it; the health check only reads it, so a probe
/// never waits on (or adds load to) the database. A reachable database is not enough: a worker whose claims
/// keep failing (a missing grant, a schema it cannot read) does no work while its heartbeats succeed, so
/// claims failing for longer than ``claimTolerance`` make it unhealthy too.
final class DatabaseReachability: Sendable {
    /// How stale the last round trip may be before the worker reports itself unhealthy.
    let tolerance: Duration
    /// How long claims may keep failing before the worker reports itself unhealthy.
    let claimTolerance: Duration
    private let started = ContinuousClock.now
    private let lastRoundTrip = Mutex<ContinuousClock.Instant?>(nil)
    private let claimFailures = Mutex<(since: ContinuousClock.Instant, error: String)?>(nil)

    init(tolerance: Duration, claimTolerance: Duration? = nil) {
        self.tolerance = tolerance
        self.claimTolerance = claimTolerance ?? tolerance
    }

    func markReachable() {
        let now = ContinuousClock.now
        lastRoundTrip.withLock { $0 = now }
    }

    /// A claim failed; the first failure of a run starts the clock, the latest error is kept for the report.
    func markClaimFailed(_ error: String) {
        let now = ContinuousClock.now
        claimFailures.withLock { $0 = ($0?.since ?? now, error) }
    }

    func markClaimSucceeded() {
        claimFailures.withLock { $0 = nil }
    }

    /// 200 while the last round trip (or, before the first one, the start) is within ``tolerance``;
    /// 503 naming how long the database has been silent otherwise.
    func report() -> HealthReport {
        let now = ContinuousClock.now
        let limit = String(format: "%.0f s", tolerance.seconds)
        guard let last = lastRoundTrip.withLock({ $0 }) else {
            let waited = now - started
            if waited <= tolerance {
                return HealthReport(isHealthy: true, details: ["database": "connecting"])
            }
            return .unhealthy(reason: String(format: "no successful database round trip in the %.1f s since start (limit %@)",
                                             waited.seconds, limit))
        }
        let age = now - last
        let ago = String(format: "%.1f", age.seconds)
        if let failing = claimFailures.withLock({ $0 }), now - failing.since > claimTolerance {
            var report = HealthReport.unhealthy(reason: String(
                format: "claims have failed for %.1f s (limit %.0f s): %@", (now - failing.since).seconds,
                claimTolerance.seconds, String(failing.error.prefix(300))))
            report.details["last_round_trip_seconds_ago"] = ago
            return report
        }
        if age <= tolerance {
            return HealthReport(isHealthy: true, details: ["database": "reachable", "last_round_trip_seconds_ago": ago])
        }
        var report = HealthReport.unhealthy(reason: "no successful database round trip for \(ago) s (limit \(limit))")
        report.details["last_round_trip_seconds_ago"] = ago
        return report
    }
}
