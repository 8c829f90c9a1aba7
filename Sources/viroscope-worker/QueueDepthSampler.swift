import Dispatch
import Foundation
import Logging
import Postgres
import Synchronization
import JobQueue
import Telemetry

/// Samples how many jobs sit in each state (per queue and kind) on its own connection and thread, for
/// `viroscope_queue_depth`. A successful sample also counts as a database round trip for `/health`.
///
/// Only the maintenance leader samples, so a queue's depth is exported once however many workers run (sum
/// it across workers); the others drop their gauges to 0. The counts come from the trigger-kept delta log
/// (`JobCounts`), whose size does not grow with the finished history; still, it runs every `interval`
/// (15 s by default), not per scrape.
final class QueueDepthSampler: Sendable {
    private let databaseURL: String?
    private let interval: Duration
    private let observer: MetricsObserver
    private let reachability: DatabaseReachability
    private let logger: Logger
    private let stopped = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init(databaseURL: String?, interval: Duration, observer: MetricsObserver, reachability: DatabaseReachability,
         logger: Logger) {
        self.databaseURL = databaseURL
        self.interval = interval
        self.observer = observer
        self.reachability = reachability
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in
            loop()
            finished.signal()
        }
        thread.name = "viroscope-queue-depth"
        thread.start()
    }

    /// Stops the sampler and waits for its thread (at most one query or connection attempt).
    func stop() {
        stopped.signal()
        finished.wait()
    }

    private func loop() {
        var connection: Connection?
        var seen: Set<String> = []
        var reported = false
        repeat {
            do {
                var depth: [String: [String: Int]] = [:]
                var pairs: [String: (queue: String, kind: String)] = [:]
                if observer.isLeader.load(ordering: .relaxed) {
                    let open = try connection ?? Connection.connect(url: databaseURL, logger: logger)
                    connection = open
                    let counts = try JobCounts.byQueueAndKind(on: open)
                    reachability.markReachable()
                    for (pair, states) in counts {
                        let key = pair.queue + "\u{0}" + pair.kind
                        pairs[key] = (pair.queue, pair.kind)
                        // The live states always exist (at 0), so a drained queue reads 0, not "no data".
                        depth[key] = states.merging(["available": 0, "retryable": 0, "running": 0]) { count, _ in count }
                    }
                }
                // A queue and kind that vanished from the table drop to 0 instead of keeping their last count.
                for key in seen.union(depth.keys) {
                    guard let pair = pairs[key] ?? split(key) else { continue }
                    observer.metrics(queue: pair.queue, kind: pair.kind).recordQueueDepth(depth[key] ?? [:])
                }
                seen.formUnion(depth.keys)
                reported = false
            } catch {
                if !reported { logger.warning("queue depth sample failed (will retry): \(error)") }
                reported = true
                // Reconnect from scratch next time; a half-broken session is not worth diagnosing here.
                connection = nil
            }
        } while stopped.wait(timeout: .now() + .nanoseconds(Int(interval.seconds * 1e9))) == .timedOut
    }

    private func split(_ key: String) -> (queue: String, kind: String)? {
        let parts = key.split(separator: "\u{0}", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        return (String(parts[0]), String(parts[1]))
    }
}
