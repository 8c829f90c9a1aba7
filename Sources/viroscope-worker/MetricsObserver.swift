import Foundation
import JobQueue
import Synchronization
import Metrics
import Telemetry

/// Turns the worker pool's events into Prometheus metrics and keeps the health view up to date.
///
/// Job series are labelled with the job's own queue and kind; worker-wide series (reconnects, busy threads)
/// carry the worker's queues and `kind="any"`, image series `kind="analyse-images"`.
final class MetricsObserver: WorkerObserver {
    static let workerKind = "any"

    private let workerQueues: String
    private let worker: WorkerMetrics
    /// 1 while this worker is the maintenance leader (the one whose queue depth counts), else 0.
    private let leader: Gauge
    private let reachability: DatabaseReachability
    private let byQueueAndKind = Mutex<[String: WorkerMetrics]>([:])

    private let queues: [String]

    /// Call only after `Telemetry.bootstrapPrometheus()`: the instruments are made here.
    init(queues: [String], reachability: DatabaseReachability) {
        self.queues = queues
        workerQueues = queues.joined(separator: ",")
        worker = WorkerMetrics(queue: workerQueues, kind: Self.workerKind)
        let labels = [("queue", workerQueues), ("kind", Self.workerKind)]
        leader = Gauge(label: "viroscope_maintenance_leader", dimensions: labels)
        leader.record(0)
        self.reachability = reachability
    }

    /// Makes the job series of every queue and kind this worker runs, so they exist (at 0) from the first
    /// scrape and rate() and alerts see a start instead of a gap.
    func prepareSeries(kinds: [String]) {
        for queue in queues {
            for kind in kinds { _ = metrics(queue: queue, kind: kind) }
        }
    }

    /// The instruments for one queue and job kind, made on first use.
    func metrics(queue: String, kind: String) -> WorkerMetrics {
        byQueueAndKind.withLock { table in
            let key = queue + "\u{0}" + kind
            if let existing = table[key] { return existing }
            let made = WorkerMetrics(queue: queue, kind: kind)
            table[key] = made
            return made
        }
    }

    /// The callback for `AnalyseImagesExecutor`: one analysed image set.
    func imageAnalysedHandler(kind: String) -> @Sendable (Int, Double) -> Void {
        let images = WorkerMetrics(queue: workerQueues, kind: kind)
        return { nuclei, seconds in
            images.recordImage(nuclei: nuclei, duration: .nanoseconds(Int64(max(0, seconds) * 1e9)))
        }
    }

    func jobsClaimed(_ jobs: [ClaimedJob]) {
        for job in jobs { metrics(queue: job.queue, kind: job.kind).jobsClaimed.increment() }
    }

    func jobFinished(_ job: ClaimedJob, outcome: JobAttemptOutcome, duration: Duration?) {
        let series = metrics(queue: job.queue, kind: job.kind)
        switch outcome {
        case .succeeded:
            series.jobsSucceeded.increment()
        case .retried:
            series.jobsFailed.increment()
            series.jobsRetried.increment()
        case .discarded:
            series.jobsFailed.increment()
            series.jobsDiscarded.increment()
        case .failedUnrecorded:
            series.jobsFailed.increment()
        case .leaseLost:
            series.leaseLost.increment()
        case .released:
            return
        }
        if let duration, outcome != .leaseLost { series.recordJob(duration: duration) }
    }

    func databaseReconnected() {
        worker.dbReconnects.increment()
    }

    func databaseReachable() {
        reachability.markReachable()
    }

    func claimFailed(_ error: any Error) {
        reachability.markClaimFailed("\(error)")
    }

    func claimSucceeded() {
        reachability.markClaimSucceeded()
    }

    /// Only the maintenance leader samples and exports queue depth; the others export their own counters.
    let isLeader = Atomic<Bool>(false)

    func leadershipChanged(isLeader leading: Bool) {
        isLeader.store(leading, ordering: .relaxed)
        leader.record(leading ? 1 : 0)
    }

    func busyThreadsChanged(by delta: Int) {
        for _ in 0..<abs(delta) {
            if delta > 0 { worker.busyThreads.increment() } else { worker.busyThreads.decrement() }
        }
    }
}
