import ArgumentParser
import CommandLineSupport
import Foundation
import Logging

/// The database to use: the flag, else `VIROSCOPE_DATABASE_URL`, else nil (libpq's `PG*` variables).
func resolveDatabaseURL(_ flag: String?) -> String? {
    if let flag, !flag.isEmpty { return flag }
    if let url = ProcessInfo.processInfo.environment["VIROSCOPE_DATABASE_URL"], !url.isEmpty { return url }
    return nil
}

/// Duration flags (`60s`, `500ms`, `2m`, `1.5`): parsed by the shared helper, which refuses NaN, infinities,
/// negative values and more than a week instead of trapping in `Int64(Double)`.
typealias DurationArgument = DurationFlag

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
