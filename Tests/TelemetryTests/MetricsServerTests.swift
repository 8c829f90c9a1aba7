#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Prometheus
import Testing
@testable import Telemetry

/// The server over real TCP connections on an ephemeral port.
@Suite struct MetricsServerTests {
    private func makeServer(
        requestTimeout: Duration = .seconds(5), maxConnections: Int = 8,
        health: @escaping @Sendable () -> HealthReport = { .healthy }
    ) throws -> MetricsServer {
        try MetricsServer(
            registry: PrometheusCollectorRegistry(),
            configuration: .init(host: "127.0.0.1", port: 0, requestTimeout: requestTimeout, maxConnections: maxConnections),
            logger: quietLogger,
            health: health)
    }

    @Test func healthIs200WhenTheCheckSaysHealthy() throws {
        let server = try makeServer(health: { HealthReport(isHealthy: true, details: ["database": "reachable"]) })
        defer { server.stop() }
        #expect(server.port > 0)
        let response = try TestHTTPClient.get(port: server.port, "/health")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.body == #"{"status":"ok","database":"reachable"}"# + "\n")
    }

    @Test func healthIs503WhenTheCheckSaysUnhealthy() throws {
        let server = try makeServer()
        defer { server.stop() }
        server.setHealthCheck { .unhealthy(reason: "database unreachable") }
        let response = try TestHTTPClient.get(port: server.port, "/health?verbose=1")
        #expect(response.status == 503)
        #expect(response.body == #"{"status":"unavailable","reason":"database unreachable"}"# + "\n")
    }

    @Test func unknownPathIs404AndOtherMethodsAre405() throws {
        let server = try makeServer()
        defer { server.stop() }
        #expect(try TestHTTPClient.get(port: server.port, "/nope").status == 404)
        let post = try TestHTTPClient.exchange(
            port: server.port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
        #expect(post.status == 405)
        #expect(post.header("Allow") == "GET, HEAD")
    }

    @Test func headAnswersWithoutABody() throws {
        let server = try makeServer()
        defer { server.stop() }
        let response = try TestHTTPClient.get(port: server.port, "/health", method: "HEAD")
        #expect(response.status == 200)
        #expect(response.header("Content-Length") == "16")
        #expect(response.body.isEmpty)
    }

    @Test func requestArrivingByteByByteIsServed() throws {
        let server = try makeServer()
        defer { server.stop() }
        let fd = try TestHTTPClient.connect(port: server.port)
        defer { close(fd) }
        for byte in "GET /health HTTP/1.1\r\nHost: x\r\n\r\n".utf8 {
            TestHTTPClient.send(fd, [byte])
            usleep(1_000)
        }
        #expect(TestHTTPClient.readAll(fd).status == 200)
    }

    @Test(arguments: [
        "GARBAGE\r\n\r\n",
        "GET /metrics\r\n\r\n",
        "GET metrics HTTP/1.1\r\n\r\n",
        "GET /metrics HTTP/2.0\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n",
    ])
    func malformedRequestGets400AndServerKeepsServing(request: String) throws {
        let server = try makeServer()
        defer { server.stop() }
        let response = try TestHTTPClient.exchange(port: server.port, request)
        #expect(response.status == 400)
        #expect(try TestHTTPClient.get(port: server.port, "/health").status == 200)
    }

    @Test func binaryGarbageIsRejected() throws {
        let server = try makeServer()
        defer { server.stop() }
        var bytes = [UInt8](repeating: 0, count: 300)
        bytes.append(contentsOf: [0xFF, 0xFE, 0x0A, 0x0D, 0x0A, 0x0A])
        let response = try TestHTTPClient.exchange(port: server.port, bytes)
        #expect(response.status == 400 || response.raw.isEmpty)
        #expect(try TestHTTPClient.get(port: server.port, "/health").status == 200)
    }

    @Test func hundredKilobyteHeaderIsRefusedAndServerKeepsServing() throws {
        let server = try makeServer()
        defer { server.stop() }
        let request = "GET /metrics HTTP/1.1\r\nX-Padding: " + String(repeating: "a", count: 100_000) + "\r\n\r\n"
        let response = try TestHTTPClient.exchange(port: server.port, request)
        // The server answers 431 after reading its 16 kB limit; depending on timing the client may only
        // see the connection reset, which is also acceptable. It must never see a 200.
        #expect(response.status == 431 || response.raw.isEmpty)
        #expect(response.status != 200)
        #expect(try TestHTTPClient.get(port: server.port, "/health").status == 200)
    }

    @Test func silentClientTimesOutWithoutBlockingOthers() throws {
        let server = try makeServer(requestTimeout: .milliseconds(300))
        defer { server.stop() }
        let silent = try TestHTTPClient.connect(port: server.port)
        defer { close(silent) }
        #expect(try TestHTTPClient.get(port: server.port, "/health").status == 200)
        let started = ContinuousClock.now
        let response = TestHTTPClient.readAll(silent)
        #expect(response.status == 408)
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    @Test func concurrentScrapesWhileRecordingAreAllAnswered() throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = WorkerMetrics(queue: "concurrent", kind: "analysis", factory: Telemetry.makePrometheusFactory(registry: registry))
        let server = try MetricsServer(
            registry: registry, configuration: .init(host: "127.0.0.1", port: 0, maxConnections: 64), logger: quietLogger)
        defer { server.stop() }
        let statuses = Locked<[Int?]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<10 {
                metrics.jobsClaimed.increment()
                metrics.recordImage(nuclei: 3, duration: .milliseconds(20))
                let status = (try? TestHTTPClient.get(port: server.port, "/metrics"))?.status
                statuses.withLock { $0.append(status) }
            }
        }
        #expect(statuses.withLock { $0 } == Array(repeating: 200, count: 80))
        let body = try TestHTTPClient.get(port: server.port, "/metrics").body
        #expect(body.contains(#"viroscope_jobs_claimed_total{queue="concurrent",kind="analysis"} 80"#))
        #expect(body.contains(#"viroscope_nuclei_total{queue="concurrent",kind="analysis"} 240"#))
    }

    @Test func connectionsBeyondTheLimitGet503() throws {
        let server = try makeServer(requestTimeout: .seconds(2), maxConnections: 1)
        defer { server.stop() }
        let holder = try TestHTTPClient.connect(port: server.port)
        defer { close(holder) }
        #expect(try TestHTTPClient.get(port: server.port, "/health").status == 503)
    }

    @Test func stopClosesTheListenerAndIsIdempotent() throws {
        let server = try makeServer()
        let port = server.port
        #expect(try TestHTTPClient.get(port: port, "/health").status == 200)
        server.stop()
        server.stop()
        #expect(throws: TestClientError.self) {
            try TestHTTPClient.connect(port: port)
        }
    }

    @Test func bindingAPortInUseThrowsATypedError() throws {
        let server = try makeServer()
        defer { server.stop() }
        #expect {
            _ = try MetricsServer(
                registry: PrometheusCollectorRegistry(), configuration: .init(host: "127.0.0.1", port: server.port))
        } throws: { error in
            guard case .socket(call: "bind", host: "127.0.0.1", port: server.port, errno: EADDRINUSE) = error as? MetricsServerError else {
                return false
            }
            return "\(error)".contains("bind on 127.0.0.1:\(server.port)")
        }
    }

    @Test func invalidPortAndUnresolvableHostAreTypedErrors() {
        #expect(throws: MetricsServerError.invalidPort(70_000)) {
            _ = try MetricsServer(registry: PrometheusCollectorRegistry(), configuration: .init(port: 70_000))
        }
        #expect {
            _ = try MetricsServer(
                registry: PrometheusCollectorRegistry(), configuration: .init(host: "no such host name!", port: 0))
        } throws: { error in
            if case .resolve = error as? MetricsServerError { return true }
            return false
        }
    }
}
