import CoreMetrics
import Metrics

/// The worker's instruments, created once per worker process and shared by its threads.
///
/// Every series carries the `queue` and `kind` labels given here. They are always present (never an empty
/// label set) because swift-prometheus traps when one metric name mixes labelled and unlabelled series.
/// Creating several `WorkerMetrics` with the same labels is harmless: they share the same series.
public final class WorkerMetrics: Sendable {
    /// Jobs taken from the queue by this worker.
    public let jobsClaimed: Counter
    /// Jobs completed with their results committed (fenced completion succeeded).
    public let jobsSucceeded: Counter
    /// Job attempts that ended in an error (whether or not they will be retried).
    public let jobsFailed: Counter
    /// Failed attempts put back with a backoff for another try.
    public let jobsRetried: Counter
    /// Jobs that used their last attempt and were dead-lettered.
    public let jobsDiscarded: Counter
    /// Completions rejected because the lease had expired or moved to another worker.
    public let leaseLost: Counter
    /// Database connections re-established after a failure.
    public let dbReconnects: Counter
    /// Wall time of a whole job, from claim to commit (a histogram, ``Telemetry/jobDurationBuckets``).
    public let jobDuration: CoreMetrics.Timer
    /// Wall time of one image set (a histogram, ``Telemetry/imageDurationBuckets``).
    public let imageDuration: CoreMetrics.Timer
    /// Nuclei classified; its `rate()` is nuclei per second.
    public let nuclei: Counter
    /// Image sets analysed, including those recorded with an error.
    public let images: Counter
    /// Analysis threads currently busy; `increment()` when work starts, `decrement()` when it ends.
    public let busyThreads: Meter

    private let dimensions: [(String, String)]
    private let factory: any MetricsFactory
    private let queueDepthGauges = Locked<[String: Gauge]>([:])

    /// Creates the instruments through `factory` (the bootstrapped `MetricsSystem.factory` by default).
    ///
    /// - Parameters:
    ///   - queue: the job queue this worker claims from, as the `queue` label.
    ///   - kind: the kind of work (e.g. `analysis`), as the `kind` label.
    public init(queue: String = "default", kind: String = "analysis", factory: any MetricsFactory = MetricsSystem.factory) {
        let dimensions = [("queue", queue), ("kind", kind)]
        self.dimensions = dimensions
        self.factory = factory

        func counter(_ name: String) -> Counter {
            Counter(label: name, dimensions: dimensions, handler: factory.makeCounter(label: name, dimensions: dimensions))
        }
        func timer(_ name: String) -> CoreMetrics.Timer {
            CoreMetrics.Timer(label: name, dimensions: dimensions, handler: factory.makeTimer(label: name, dimensions: dimensions))
        }

        jobsClaimed = counter(MetricName.jobsClaimed)
        jobsSucceeded = counter(MetricName.jobsSucceeded)
        jobsFailed = counter(MetricName.jobsFailed)
        jobsRetried = counter(MetricName.jobsRetried)
        jobsDiscarded = counter(MetricName.jobsDiscarded)
        leaseLost = counter(MetricName.leaseLost)
        dbReconnects = counter(MetricName.dbReconnects)
        jobDuration = timer(MetricName.jobDuration)
        imageDuration = timer(MetricName.imageDuration)
        nuclei = counter(MetricName.nuclei)
        images = counter(MetricName.images)
        busyThreads = Meter(
            label: MetricName.busyThreads, dimensions: dimensions,
            handler: factory.makeMeter(label: MetricName.busyThreads, dimensions: dimensions))
    }

    /// Records one finished job's wall time.
    public func recordJob(duration: Duration) {
        jobDuration.recordNanoseconds(duration.nanoseconds)
    }

    /// Records one analysed image set: its wall time and the nuclei it yielded.
    public func recordImage(nuclei count: Int, duration: Duration) {
        images.increment()
        nuclei.increment(by: max(0, count))
        imageDuration.recordNanoseconds(duration.nanoseconds)
    }

    /// Sets `viroscope_queue_depth{state=...}` from one sample of job counts by state, as read by the
    /// worker's periodic sampler.
    ///
    /// A state seen in an earlier sample but absent from this one is set to 0, so a drained state does not
    /// keep reporting its last count forever.
    public func recordQueueDepth(_ depthByState: [String: Int]) {
        queueDepthGauges.withLock { gauges in
            for state in depthByState.keys where gauges[state] == nil {
                let labels = dimensions + [("state", state)]
                gauges[state] = Gauge(
                    label: MetricName.queueDepth, dimensions: labels, aggregate: false,
                    handler: factory.makeRecorder(label: MetricName.queueDepth, dimensions: labels, aggregate: false))
            }
            for (state, gauge) in gauges {
                gauge.record(depthByState[state] ?? 0)
            }
        }
    }
}

extension Duration {
    /// Whole nanoseconds, saturating instead of trapping for durations beyond ~292 years.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (wholeNanos, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow {
            return seconds < 0 ? .min : .max
        }
        let (total, overflow2) = wholeNanos.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow2 {
            return seconds < 0 ? .min : .max
        }
        return total
    }
}
