import ArgumentParser
import Campaigns
import CommandLineSupport
import Dispatch
import Foundation
import Imaging
import JobQueue
import Logging
import Postgres

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Claim and run jobs until stopped (SIGTERM/SIGINT: finish or release held jobs, exit 0).",
        discussion: """
            A stop is not a failure. On SIGTERM or SIGINT the worker claims nothing more, gives back the jobs it \
            had claimed but not started, and finishes the job in hand (--shutdown-mode finish, the default) or \
            gives it back at its next image set (release); no attempt is counted and no error recorded. A \
            second signal, or the end of --shutdown-grace, releases whatever is still running.
            """)

    /// More threads than this is a typing error, not a sizing decision: each holds a database connection.
    static let maxConcurrency = 256

    @Option(help: "PostgreSQL URL; default $VIROSCOPE_DATABASE_URL, then libpq's PG* variables and ~/.pgpass.")
    var databaseURL: String?

    @Option(help: "Claiming threads, each with its own connection (default: $VIROSCOPE_CONCURRENCY, else 1).")
    var concurrency: Int?

    @Option(help: "Queue to take jobs from (repeatable).")
    var queue: [String] = ["default"]

    @Option(help: "Lease per claimed job, extended by heartbeats while it runs (e.g. 60s, 500ms).")
    var lease = DurationArgument(argument: "60s")!

    @Option(help: "Poll interval when no NOTIFY arrives.")
    var pollInterval = DurationArgument(argument: "1s")!

    @Option(help: "Jobs claimed per round trip by each thread.")
    var batch = 1

    @Option(help: "After SIGTERM, how long running jobs may finish before they are released to the queue (keep it below compose's stop_grace_period / systemd's TimeoutStopSec, 10 min).")
    var shutdownGrace = DurationArgument(argument: "9m")!

    @Option(help: "On SIGTERM, finish the job in hand (finish) or give it back untouched at its next image set (release).")
    var shutdownMode: ShutdownMode = .finish

    @Option(help: "Expired leases (worker died) before a job is discarded as \"worker died N times running this job\".")
    var maxRescues = Rescuer.defaultMaxRescues

    @Option(help: "The maintenance leader deletes finished jobs older than this (never those of unfinished campaigns), and worker rows silent that long; 0 keeps everything.")
    var retention = DurationArgument(argument: "7d")!

    @Option(help: "Longest time one image set may take (read, segment, classify); past it the job is left to be rescued elsewhere and the worker exits non-zero to be restarted.")
    var imageSetDeadline = DurationArgument(argument: "10m")!

    @Option(help: "First retry delay after a failure; doubles each attempt (with jitter).")
    var retryBase = DurationArgument(argument: "1s")!

    @Option(help: "Longest retry delay.")
    var retryCap = DurationArgument(argument: "10m")!

    @Flag(help: "Exit once nothing is available, waiting to retry, or running in the queues.")
    var exitWhenIdle = false

    @Option(help: "This node's mount of the campaign images; stored paths are relative to it (default: $VIROSCOPE_IMAGE_ROOT, else the path the coordinator saw).")
    var imageRoot: String?

    @Option(help: ArgumentHelp(
        "Largest image, in pixels, a worker decodes; larger ones are refused before allocation as their image set's error.",
        discussion: "Default 134217728 (2^27, an 11585×11585 image); allow about 20 bytes of memory per pixel per thread."))
    var maxPixels = TIFFReader.defaultPixelBudget

    /// Flags first, then the environment (how compose and systemd configure workers).
    private var resolvedConcurrency: Int {
        get throws {
            if let concurrency { return concurrency }
            guard let text = ProcessInfo.processInfo.environment["VIROSCOPE_CONCURRENCY"], !text.isEmpty else { return 1 }
            guard let value = Int(text) else {
                throw ValidationError("VIROSCOPE_CONCURRENCY must be a number of threads, not \"\(text)\"")
            }
            return value
        }
    }

    private var resolvedImageRoot: String? {
        imageRoot ?? ProcessInfo.processInfo.environment["VIROSCOPE_IMAGE_ROOT"].flatMap { $0.isEmpty ? nil : $0 }
    }

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: ArgumentHelp(
        "Serve Prometheus metrics (GET /metrics) and a health probe (GET /health) on this port; 0 turns it off.",
        discussion: "Default: $VIROSCOPE_METRICS_PORT, else off.", valueName: "port"))
    var metricsPort: Int?

    @Option(help: "Address the metrics server listens on (0.0.0.0: every IPv4 interface; 127.0.0.1: this host only).")
    var metricsHost = "0.0.0.0"

    @Option(help: "How often the maintenance leader reads queue depth for the metrics (from the counts log, own connection).")
    var metricsSampleInterval = DurationArgument(argument: "15s")!

    /// The metrics port from the flag, else `VIROSCOPE_METRICS_PORT`; 0 means off.
    func resolvedMetricsPort() throws -> Int {
        if let metricsPort { return metricsPort }
        guard let text = ProcessInfo.processInfo.environment["VIROSCOPE_METRICS_PORT"], !text.isEmpty else { return 0 }
        guard let port = Int(text) else {
            throw ValidationError("VIROSCOPE_METRICS_PORT must be a port number, not \"\(text)\"")
        }
        return port
    }

    func validate() throws {
        try NumericFlag.check(try resolvedConcurrency, "--concurrency", in: 1...Self.maxConcurrency, unit: "threads")
        try NumericFlag.check(batch, "--batch", in: 1...10_000, unit: "jobs")
        try NumericFlag.check(maxRescues, "--max-rescues", in: 1...1_000)
        try NumericFlag.check(lease.duration, "--lease", in: .milliseconds(200) ... .seconds(24 * 3600))
        try NumericFlag.check(pollInterval.duration, "--poll-interval", in: .milliseconds(10) ... .seconds(3600))
        try NumericFlag.check(shutdownGrace.duration, "--shutdown-grace", in: .zero ... .seconds(24 * 3600))
        try NumericFlag.check(imageSetDeadline.duration, "--image-set-deadline", in: .seconds(1) ... .seconds(24 * 3600))
        try NumericFlag.check(retryBase.duration, "--retry-base", in: .zero ... .seconds(24 * 3600))
        try NumericFlag.check(retryCap.duration, "--retry-cap", in: retryBase.duration ... .seconds(7 * 24 * 3600))
        try NumericFlag.check(maxPixels, "--max-pixels", in: 1...TIFFReader.maximumPixelCount)
        guard !queue.isEmpty else { throw ValidationError("give at least one --queue") }
        guard (0...65535).contains(try resolvedMetricsPort()) else {
            throw ValidationError("the metrics port must be in 0...65535 (0 turns metrics off)")
        }
        guard metricsSampleInterval.duration >= .milliseconds(100) else {
            throw ValidationError("--metrics-sample-interval must be at least 100ms")
        }
    }

    func run() throws {
        let logger = bootstrapLogging(level: logLevel)
        var config = WorkerConfiguration(databaseURL: ConnectionDefaults.apply(ConnectionDefaults.service,
                                                                       to: resolveDatabaseURL(databaseURL)))
        config.concurrency = try resolvedConcurrency
        config.queues = queue
        config.lease = lease.duration
        config.pollInterval = pollInterval.duration
        config.batchSize = batch
        config.exitWhenIdle = exitWhenIdle
        config.shutdownGrace = shutdownGrace.duration
        config.shutdownMode = shutdownMode
        config.maxRescues = maxRescues
        config.retention = retention.duration > .zero ? retention.duration : nil
        if retention.duration > .zero { config.workerRetention = retention.duration }
        config.retryPolicy = RetryPolicy(base: retryBase.duration, cap: retryCap.duration)
        config.version = workerVersion

        var telemetry: WorkerTelemetry?
        let port = try resolvedMetricsPort()
        if port > 0 {
            do {
                // Two leases: a heartbeat runs every third of one, so this is several missed round trips.
                telemetry = try WorkerTelemetry(
                    host: metricsHost, port: port, queues: queue, databaseURL: config.databaseURL,
                    sampleInterval: metricsSampleInterval.duration, healthTolerance: max(config.lease * 2, .seconds(10)),
                    logger: logger)
            } catch {
                logger.error("\(error)")
                throw ExitCode.failure
            }
        }
        defer { telemetry?.stop() }
        let registry = workerRegistry(databaseURL: config.databaseURL, imageRoot: resolvedImageRoot,
                                      imageSetDeadline: imageSetDeadline.duration,
                                      onImageAnalysed: telemetry?.observer.imageAnalysedHandler(kind: AnalyseImagesPayload.kind),
                                      maximumPixels: maxPixels)
        // The production kind only: the diagnostic kinds (noop, probe) get series when they first run.
        telemetry?.observer.prepareSeries(kinds: [AnalyseImagesPayload.kind])
        let pool = WorkerPool(configuration: config, registry: registry, logger: logger,
                              observer: telemetry?.observer ?? NoWorkerObserver())

        let signals = [SIGTERM, SIGINT].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [logger, shutdownMode] in
                if pool.stop.isStopping {
                    logger.notice("signal \(number) again: releasing the jobs still running")
                    pool.stop.requestAbandon()
                } else {
                    logger.notice("signal \(number): stopping (no new claims; \(shutdownMode == .finish ? "finishing" : "releasing") the job in hand)")
                    pool.stop.requestStop()
                }
            }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        do {
            _ = try pool.run()
        } catch {
            logger.error("\(error)")
            throw ExitCode.failure
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension ShutdownMode: ExpressibleByArgument {}
