import Foundation
import JobQueue
import Logging
import Telemetry

/// The worker's metrics endpoint while it runs: Prometheus bootstrap, the HTTP server, the pool observer and
/// the queue-depth sampler, started together and stopped together.
final class WorkerTelemetry: Sendable {
    let observer: MetricsObserver
    private let server: MetricsServer
    private let sampler: QueueDepthSampler

    /// Bootstraps swift-metrics (once per process, before any instrument exists) and starts serving.
    ///
    /// - Parameter healthTolerance: how long without a successful database round trip before `/health`
    ///   answers 503.
    /// - Throws: `MetricsServerError` when the address cannot be bound (port in use, bad host).
    init(host: String, port: Int, queues: [String], databaseURL: String?, sampleInterval: Duration,
         healthTolerance: Duration, logger: Logger) throws {
        let registry = Telemetry.bootstrapPrometheus()
        let reachability = DatabaseReachability(tolerance: healthTolerance)
        observer = MetricsObserver(queues: queues, reachability: reachability)
        server = try MetricsServer(registry: registry, configuration: .init(host: host, port: port), logger: logger,
                                   health: { reachability.report() })
        sampler = QueueDepthSampler(databaseURL: databaseURL, interval: sampleInterval, observer: observer,
                                    reachability: reachability, logger: logger)
        sampler.start()
    }

    func stop() {
        sampler.stop()
        server.stop()
    }
}
