import Metrics
import Testing
@testable import Telemetry

/// The only test that touches the process-wide `MetricsSystem`; the others use private registries.
@Test func bootstrapTwiceIsSafeAndFeedsTheSameRegistry() {
    let first = Telemetry.bootstrapPrometheus()
    let second = Telemetry.bootstrapPrometheus()
    #expect(first === second)

    let metrics = WorkerMetrics(queue: "bootstrap-test", kind: "analysis")
    metrics.jobsClaimed.increment(by: 7)
    metrics.recordJob(duration: .milliseconds(75))

    let text = first.emitToString()
    #expect(text.contains(#"viroscope_jobs_claimed_total{queue="bootstrap-test",kind="analysis"} 7"#))
    // The global factory carries the job buckets, not swift-prometheus's defaults (which stop at 10 s).
    #expect(text.contains(#"viroscope_job_duration_seconds_bucket{queue="bootstrap-test",kind="analysis",le="300.0"} 1"#))
}
