import ArgumentParser
import Foundation
import Logging
import Postgres

/// The `--database-url` flag every subcommand shares.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "PostgreSQL URL; default $VIROSCOPE_DATABASE_URL, then libpq's PG* variables and ~/.pgpass.")
    var databaseURL: String?

    var resolvedURL: String? {
        if let databaseURL, !databaseURL.isEmpty { return databaseURL }
        if let url = ProcessInfo.processInfo.environment["VIROSCOPE_DATABASE_URL"], !url.isEmpty { return url }
        return nil
    }

    /// Connects, runs `body`, and turns any error into one line on stderr (naming the redacted database)
    /// and exit code 1.
    func withConnection(_ command: String, _ body: (Connection) throws -> Void) throws {
        let url = resolvedURL
        let target = url.map(ConnectionTarget.redact) ?? "PostgreSQL (from PG* environment)"
        do {
            let connection = try Connection.connect(url: url, logger: coordinatorLogger)
            try body(connection)
        } catch let error as PostgresError {
            fail(command, "\(error)")
        } catch {
            fail(command, "\(error) [database \(target)]")
        }
    }

    private func fail(_ command: String, _ message: String) -> Never {
        FileHandle.standardError.write(Data("viroscope-coordinator \(command): \(message)\n".utf8))
        Foundation.exit(1)
    }
}

let coordinatorLogger: Logger = {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .warning
        return handler
    }
    return Logger(label: "viroscope.coordinator")
}()
