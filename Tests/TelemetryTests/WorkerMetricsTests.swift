import Prometheus
import Testing
@testable import Telemetry

/// Records through `WorkerMetrics` and reads the result the way Prometheus does: `GET /metrics` over TCP.
@Suite struct WorkerMetricsTests {
    private func scrape(_ registry: PrometheusCollectorRegistry) throws -> RawResponse {
        let server = try MetricsServer(registry: registry, configuration: .init(host: "127.0.0.1", port: 0), logger: quietLogger)
        defer { server.stop() }
        return try TestHTTPClient.get(port: server.port, "/metrics")
    }

    @Test func countersAndGaugesAppearWithTheirNamesAndLabels() throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = WorkerMetrics(queue: "images", kind: "analysis", factory: Telemetry.makePrometheusFactory(registry: registry))
        metrics.jobsClaimed.increment(by: 3)
        metrics.jobsSucceeded.increment(by: 2)
        metrics.jobsFailed.increment()
        metrics.jobsRetried.increment()
        metrics.jobsDiscarded.increment(by: 4)
        metrics.leaseLost.increment(by: 5)
        metrics.dbReconnects.increment(by: 6)
        metrics.busyThreads.increment()
        metrics.busyThreads.increment()
        metrics.busyThreads.decrement()
        metrics.recordQueueDepth(["available": 5, "running": 2])
        metrics.recordQueueDepth(["available": 3])

        let response = try scrape(registry)
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        let lines = Set(response.body.split(separator: "\n").map(String.init))
        let labels = #"queue="images",kind="analysis""#
        for expected in [
            "# TYPE viroscope_jobs_claimed_total counter",
            "viroscope_jobs_claimed_total{\(labels)} 3",
            "viroscope_jobs_succeeded_total{\(labels)} 2",
            "viroscope_jobs_failed_total{\(labels)} 1",
            "viroscope_jobs_retried_total{\(labels)} 1",
            "viroscope_jobs_discarded_total{\(labels)} 4",
            "viroscope_lease_lost_total{\(labels)} 5",
            "viroscope_db_reconnects_total{\(labels)} 6",
            "# TYPE viroscope_worker_busy_threads gauge",
            "viroscope_worker_busy_threads{\(labels)} 1.0",
            "# TYPE viroscope_queue_depth gauge",
            "viroscope_queue_depth{\(labels),state=\"available\"} 3.0",
            // Absent from the second sample, so reset rather than left at its stale 2.
            "viroscope_queue_depth{\(labels),state=\"running\"} 0.0",
        ] {
            #expect(lines.contains(expected), "missing line: \(expected)")
        }
    }

    @Test func durationsLandInTheConfiguredBuckets() throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = WorkerMetrics(queue: "q", kind: "analysis", factory: Telemetry.makePrometheusFactory(registry: registry))
        metrics.recordJob(duration: .seconds(2))
        metrics.recordJob(duration: .seconds(400))
        metrics.recordImage(nuclei: 120, duration: .milliseconds(30))
        metrics.recordImage(nuclei: 80, duration: .milliseconds(7))

        let body = try scrape(registry).body
        let lines = body.split(separator: "\n").map(String.init)
        let labels = #"queue="q",kind="analysis""#

        let jobBuckets = lines.filter { $0.hasPrefix("viroscope_job_duration_seconds_bucket{") }
        let expectedJob = [
            ("0.05", 0), ("0.1", 0), ("0.25", 0), ("0.5", 0), ("1.0", 0), ("2.5", 1), ("5.0", 1), ("10.0", 1),
            ("30.0", 1), ("60.0", 1), ("120.0", 1), ("300.0", 1), ("+Inf", 2),
        ].map { "viroscope_job_duration_seconds_bucket{\(labels),le=\"\($0.0)\"} \($0.1)" }
        #expect(jobBuckets == expectedJob)
        #expect(lines.contains("# TYPE viroscope_job_duration_seconds histogram"))
        #expect(lines.contains("viroscope_job_duration_seconds_count{\(labels)} 2"))
        #expect(lines.contains("viroscope_job_duration_seconds_sum{\(labels)} 402.0"))

        let imageBuckets = lines.filter { $0.hasPrefix("viroscope_image_duration_seconds_bucket{") }
        let expectedImage = [
            ("0.01", 1), ("0.025", 1), ("0.05", 2), ("0.1", 2), ("0.25", 2), ("0.5", 2), ("1.0", 2), ("2.5", 2),
            ("5.0", 2), ("10.0", 2), ("30.0", 2), ("+Inf", 2),
        ].map { "viroscope_image_duration_seconds_bucket{\(labels),le=\"\($0.0)\"} \($0.1)" }
        #expect(imageBuckets == expectedImage)
        #expect(lines.contains("viroscope_image_duration_seconds_sum{\(labels)} 0.037"))
        #expect(lines.contains("viroscope_images_total{\(labels)} 2"))
        #expect(lines.contains("viroscope_nuclei_total{\(labels)} 200"))
    }

    @Test func largeExpositionArrivesWhole() throws {
        // Several hundred kilobytes: more than a socket buffer takes at once, so the server's partial-write
        // path runs.
        let registry = PrometheusCollectorRegistry()
        let padding = String(repeating: "p", count: 1000)
        for index in 0..<400 {
            registry.makeCounter(name: MetricName.jobsClaimed, labels: [("queue", "queue-\(index)-\(padding)")])
                .increment(by: Int64(index))
        }
        let response = try scrape(registry)
        #expect(response.status == 200)
        #expect(response.header("Content-Length") == String(response.body.utf8.count))
        #expect(response.body.utf8.count > 300_000)
        #expect(response.body.contains(#"viroscope_jobs_claimed_total{queue="queue-399-\#(padding)"} 399"#))
    }

    @Test func durationConversionSaturatesInsteadOfTrapping() {
        #expect(Duration.milliseconds(1500).nanoseconds == 1_500_000_000)
        #expect(Duration.seconds(Int64.max).nanoseconds == .max)
        #expect(Duration.seconds(Int64.min).nanoseconds == .min)
    }
}
