#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Prometheus

/// Serves one request on one accepted connection; the caller closes the descriptor afterwards.
struct ConnectionHandler {
    let fd: Int32
    let configuration: MetricsServer.Configuration
    let registry: PrometheusCollectorRegistry
    let logger: Logger
    let health: @Sendable () -> HealthReport

    func serve() {
        let deadline = ContinuousClock.now + configuration.requestTimeout
        var received: [UInt8] = []
        var scanner = HeadEndScanner()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let headEnd = scanner.scan(received) {
                switch HTTPHeadParse.parseHead(received[..<headEnd]) {
                case .complete(let head):
                    respond(to: head)
                case .invalid(let reason):
                    logger.debug("metrics server: bad request", metadata: ["reason": "\(reason)"])
                    reject(HTTPResponse.text(400, "bad request: \(reason)"))
                case .incomplete:
                    break
                }
                return
            }
            if received.count > configuration.maxHeaderBytes {
                logger.debug("metrics server: request head too large", metadata: ["bytes": "\(received.count)"])
                reject(HTTPResponse.text(431, "request header too large"))
                return
            }
            guard waitReady(fd, for: POLLIN, milliseconds: milliseconds(until: deadline)) else {
                reject(HTTPResponse.text(408, "request timeout"))
                return
            }
            let wanted = min(chunk.count, configuration.maxHeaderBytes + 1 - received.count)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, wanted, 0) }
            if count == 0 {
                return
            }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN {
                    continue
                }
                return
            }
            received.append(contentsOf: chunk[0..<count])
        }
    }

    private func respond(to head: HTTPRequestHead) {
        let response: HTTPResponse
        switch (head.method, head.path) {
        case ("GET", "/metrics"), ("HEAD", "/metrics"):
            response = HTTPResponse(
                status: 200, contentType: HTTPResponse.prometheusContentType, body: registry.emitToBuffer())
        case ("GET", "/health"), ("HEAD", "/health"):
            let report = health()
            response = HTTPResponse(
                status: report.isHealthy ? 200 : 503, contentType: "application/json",
                body: Array((report.json + "\n").utf8))
        case ("GET", _), ("HEAD", _):
            response = HTTPResponse.text(404, "not found; try /metrics or /health")
        default:
            // A request body may follow; it is never read, so close as for an error.
            reject(HTTPResponse.text(405, "method not allowed", extraHeaders: [("Allow", "GET, HEAD")]))
            return
        }
        sendAll(
            fd, response.serialized(includeBody: head.method != "HEAD"),
            deadline: .now + configuration.requestTimeout)
        _ = shutdown(fd, Int32(SHUT_WR))
    }

    /// Sends an error and closes gently: closing with unread input would make the kernel send a reset,
    /// which can destroy the response before the client reads it. So stop writing, then read and discard
    /// what the client still sends, within a small budget of time and bytes (error responses are small
    /// enough to fit in the socket buffer at once).
    private func reject(_ response: HTTPResponse) {
        let deadline = ContinuousClock.now + .milliseconds(500)
        sendAll(fd, response.serialized(), deadline: deadline)
        _ = shutdown(fd, Int32(SHUT_WR))
        var drained = 0
        var sink = [UInt8](repeating: 0, count: 16 * 1024)
        while drained < 1 << 20, waitReady(fd, for: POLLIN, milliseconds: milliseconds(until: deadline)) {
            let count = sink.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 {
                return
            }
            drained += count
        }
    }
}
