import ArgumentParser
import Foundation
import Logging

/// The database to use: the flag, else `VIROSCOPE_DATABASE_URL`, else nil (libpq's `PG*` variables).
func resolveDatabaseURL(_ flag: String?) -> String? {
    if let flag, !flag.isEmpty { return flag }
    if let url = ProcessInfo.processInfo.environment["VIROSCOPE_DATABASE_URL"], !url.isEmpty { return url }
    return nil
}

/// Parses `60s`, `500ms`, `2m`, `1.5` (seconds), `7d`.
func parseDuration(_ text: String) -> Duration? {
    let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
    for (suffix, scale) in units where text.hasSuffix(suffix) {
        guard let value = Double(text.dropLast(suffix.count)), value >= 0 else { return nil }
        return .milliseconds(Int64(value * scale * 1000))
    }
    guard let value = Double(text), value >= 0 else { return nil }
    return .milliseconds(Int64(value * 1000))
}

struct DurationArgument: ExpressibleByArgument {
    let duration: Duration
    let text: String
    init?(argument: String) {
        guard let duration = parseDuration(argument) else { return nil }
        self.duration = duration
        self.text = argument
    }
    var defaultValueDescription: String { text }
}

/// Logs go to stderr; stdout is for results.
func bootstrapLogging(level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    var logger = Logger(label: "viroscope.worker")
    logger.logLevel = level
    return logger
}

let workerVersion = "0.1.0"
