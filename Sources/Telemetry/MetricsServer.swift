#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import Logging
import Prometheus

/// A minimal HTTP/1.1 endpoint for Prometheus scrapes and health probes, on plain POSIX sockets so the
/// worker needs no SwiftNIO.
///
/// Routes: `GET /metrics` (the registry in text format 0.0.4), `GET /health` (``HealthReport`` as JSON,
/// 200 or 503), anything else 404, and any method but GET or HEAD 405. Every response closes its
/// connection. One thread accepts; each connection is served on its own short-lived thread, at most
/// ``Configuration/maxConnections`` at a time (beyond that a client gets an immediate 503).
///
/// A bad client (garbage, a header over ``Configuration/maxHeaderBytes``, or one that stalls past
/// ``Configuration/requestTimeout``) gets 400, 431 or 408 and a closed connection; it never takes the
/// process or the server down. The server runs from `init` until ``stop()``; call `stop()` before dropping
/// it, since the accept thread keeps it alive.
public final class MetricsServer: Sendable {
    /// Listening and per-request limits.
    public struct Configuration: Sendable {
        /// Address to bind; `0.0.0.0` listens on every IPv4 interface, `::` on IPv6, `127.0.0.1` locally.
        public var host: String
        /// Port to bind; 0 picks a free one, readable afterwards from ``MetricsServer/port``.
        public var port: Int
        /// Largest request head accepted; a longer one gets 431.
        public var maxHeaderBytes: Int
        /// Time a client has to send its request head, and again to take the response.
        public var requestTimeout: Duration
        /// Connections served at once; more get 503 without being read.
        public var maxConnections: Int

        public init(
            host: String = "0.0.0.0", port: Int = 9464, maxHeaderBytes: Int = 16 * 1024,
            requestTimeout: Duration = .seconds(5), maxConnections: Int = 8
        ) {
            self.host = host
            self.port = port
            self.maxHeaderBytes = maxHeaderBytes
            self.requestTimeout = requestTimeout
            self.maxConnections = maxConnections
        }
    }

    private struct Running {
        var listener: Int32
        var wakeRead: Int32
        var wakeWrite: Int32
    }

    /// The port actually bound (useful when the configuration asked for port 0).
    public let port: Int
    public let configuration: Configuration
    private let registry: PrometheusCollectorRegistry
    private let logger: Logger
    private let healthCheck: Locked<@Sendable () -> HealthReport>
    private let running: Locked<Running?>
    private let activeConnections = Locked(0)
    private let acceptLoopExited = DispatchSemaphore(value: 0)

    /// Binds, listens and starts serving.
    ///
    /// - Parameters:
    ///   - registry: what `/metrics` emits, usually the one from ``Telemetry/bootstrapPrometheus()``.
    ///   - health: answers `/health`; it runs on a server thread for every probe, so it should read
    ///     state the worker keeps up to date (e.g. the time of the last successful database round trip)
    ///     rather than do slow I/O itself. Replace it later with ``setHealthCheck(_:)``.
    /// - Throws: ``MetricsServerError`` when the host does not resolve or the port cannot be bound
    ///   (in use, or privileged).
    public init(
        registry: PrometheusCollectorRegistry,
        configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "viroscope.metrics-server"),
        health: @escaping @Sendable () -> HealthReport = { .healthy }
    ) throws(MetricsServerError) {
        let listener = try makeListener(host: configuration.host, port: configuration.port, backlog: 64)
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else {
            let code = errno
            closeSocket(listener)
            throw .socket(call: "pipe", host: configuration.host, port: configuration.port, errno: code)
        }
        pipeFDs.forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) }
        guard let port = boundPort(listener) else {
            let code = errno
            ([listener] + pipeFDs).forEach(closeSocket)
            throw .socket(call: "getsockname", host: configuration.host, port: configuration.port, errno: code)
        }
        self.port = port
        self.configuration = configuration
        self.registry = registry
        self.logger = logger
        self.healthCheck = Locked(health)
        self.running = Locked(Running(listener: listener, wakeRead: pipeFDs[0], wakeWrite: pipeFDs[1]))

        let wakeRead = pipeFDs[0]
        let thread = Thread { [self] in
            acceptLoop(listener: listener, wake: wakeRead)
            acceptLoopExited.signal()
        }
        thread.name = "metrics-accept"
        thread.start()
        logger.info("metrics server listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
    }

    /// Replaces the closure that answers `/health`, e.g. once the database connection exists.
    public func setHealthCheck(_ check: @escaping @Sendable () -> HealthReport) {
        healthCheck.withLock { $0 = check }
    }

    /// Stops accepting and closes the listening socket; once it returns, new connections are refused.
    /// Requests already being served finish on their own threads (bounded by the request timeout).
    /// Calling it again does nothing.
    public func stop() {
        guard let state = running.withLock({ state -> Running? in
            defer { state = nil }
            return state
        }) else {
            return
        }
        var byte: UInt8 = 1
        _ = write(state.wakeWrite, &byte, 1)
        acceptLoopExited.wait()
        [state.listener, state.wakeRead, state.wakeWrite].forEach(closeSocket)
        logger.info("metrics server stopped", metadata: ["port": "\(port)"])
    }

    private func acceptLoop(listener: Int32, wake: Int32) {
        var entries = [
            pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            entries[0].revents = 0
            entries[1].revents = 0
            let ready = poll(&entries, nfds_t(entries.count), -1)
            if ready < 0 {
                if errno == EINTR {
                    continue
                }
                logger.error("metrics server poll failed", metadata: ["error": "\(errnoDescription(errno))"])
                return
            }
            if entries[1].revents != 0 {
                return
            }
            if entries[0].revents != 0 {
                acceptOne(listener)
            }
        }
    }

    private func acceptOne(_ listener: Int32) {
        let fd = accept(listener, nil, nil)
        guard fd >= 0 else {
            let code = errno
            if code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM {
                // Out of descriptors: back off instead of spinning on a listener that stays readable.
                logger.warning("metrics server cannot accept", metadata: ["error": "\(errnoDescription(code))"])
                usleep(50_000)
            }
            return
        }
        prepareDescriptor(fd)
        let admitted = activeConnections.withLock { count -> Bool in
            guard count < configuration.maxConnections else {
                return false
            }
            count += 1
            return true
        }
        guard admitted else {
            sendAll(fd, HTTPResponse.text(503, "too many connections").serialized(), deadline: .now + .milliseconds(100))
            closeSocket(fd)
            return
        }
        let thread = Thread { [self] in
            ConnectionHandler(
                fd: fd, configuration: configuration, registry: registry, logger: logger,
                health: healthCheck.withLock { $0 }
            ).serve()
            closeSocket(fd)
            activeConnections.withLock { $0 -= 1 }
        }
        thread.name = "metrics-connection"
        thread.start()
    }
}
