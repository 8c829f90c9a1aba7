import Metrics
import Prometheus

/// Entry points for wiring the worker's metrics to Prometheus.
///
/// Libraries report through swift-metrics only; the executable calls ``bootstrapPrometheus()`` once at
/// start-up and hands the returned registry to a ``MetricsServer``:
///
/// ```swift
/// let registry = Telemetry.bootstrapPrometheus()
/// let metrics = WorkerMetrics(queue: "default", kind: "analysis")
/// let server = try MetricsServer(registry: registry, configuration: .init(port: 9464), logger: logger)
/// server.setHealthCheck { databaseIsReachable() ? .healthy : .unhealthy(reason: "database unreachable") }
/// defer { server.stop() }
/// ```
public enum Telemetry {
    private static let bootstrapped = Locked<PrometheusCollectorRegistry?>(nil)

    /// Bootstraps the process-wide `MetricsSystem` with a Prometheus factory (using the histogram buckets
    /// of ``makePrometheusFactory(registry:)``) and returns the registry that `/metrics` should emit.
    ///
    /// `MetricsSystem.bootstrap` traps when called twice, so this remembers its first registry and returns
    /// it on every later call without bootstrapping again. It cannot detect a bootstrap done elsewhere:
    /// if another part of the process bootstrapped `MetricsSystem` first, swift-metrics traps.
    public static func bootstrapPrometheus() -> PrometheusCollectorRegistry {
        bootstrapped.withLock { existing in
            if let existing {
                return existing
            }
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(makePrometheusFactory(registry: registry))
            existing = registry
            return registry
        }
    }

    /// A Prometheus factory over `registry` whose timers use Viroscope's histogram buckets
    /// (``jobDurationBuckets`` for jobs, ``imageDurationBuckets`` for images); other timers keep
    /// swift-prometheus's defaults. Tests use it with a private registry instead of the global bootstrap.
    public static func makePrometheusFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            MetricName.jobDuration: jobDurationBuckets,
            MetricName.imageDuration: imageDurationBuckets,
        ]
        return factory
    }

    /// Buckets for a whole job (a batch of image sets): from a fast cached batch to the 5-minute mark
    /// past which a job is more likely stuck than slow.
    public static let jobDurationBuckets: [Duration] = [
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
        .seconds(60), .seconds(120), .seconds(300),
    ]

    /// Buckets for one image set (read, segment, classify): 10 ms to 30 s.
    public static let imageDurationBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
        .seconds(5), .seconds(10), .seconds(30),
    ]
}
