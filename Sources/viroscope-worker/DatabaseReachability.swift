import Foundation
import Postgres
import Synchronization
import Telemetry

/// When this worker last talked to the database successfully, for `/health`.
///
/// Claims, lease heartbeats and the queue-depth sampler mark it; the health check only reads it, so a probe
/// never waits on (or adds load to) the database.
final class DatabaseReachability: Sendable {
    /// How stale the last round trip may be before the worker reports itself unhealthy.
    let tolerance: Duration
    private let started = ContinuousClock.now
    private let lastRoundTrip = Mutex<ContinuousClock.Instant?>(nil)

    init(tolerance: Duration) {
        self.tolerance = tolerance
    }

    func markReachable() {
        let now = ContinuousClock.now
        lastRoundTrip.withLock { $0 = now }
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
        if age <= tolerance {
            return HealthReport(isHealthy: true, details: ["database": "reachable", "last_round_trip_seconds_ago": ago])
        }
        var report = HealthReport.unhealthy(reason: "no successful database round trip for \(ago) s (limit \(limit))")
        report.details["last_round_trip_seconds_ago"] = ago
        return report
    }
}
