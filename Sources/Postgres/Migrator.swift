import Foundation
import Logging

/// Applies numbered SQL files (`0001_queue.sql`, `0002_campaigns.sql`, …) from a directory in order.
///
/// Each file runs in its own transaction together with its row in `schema_migrations(version, name, checksum,
/// applied_at)`, so a failing file leaves nothing half-applied. Concurrent migrators (several services
/// starting at once) are serialised with an advisory lock keyed by the current schema, and re-running is a
/// no-op. An applied file whose checksum (md5 of its text) changed is refused rather than silently ignored.
/// Objects are created in the session's `search_path`, so a schema per test or per deployment works.
public struct Migrator {
    public struct Migration: Sendable, Equatable {
        public let version: Int
        public let name: String
        public let sql: String
        public let path: String
    }

    public let directory: String
    private let logger: Logger
    /// How long `migrate` waits for the migration lock before naming who holds it.
    public var lockTimeout: Duration = .seconds(60)

    public init(directory: String, logger: Logger = Logger(label: "viroscope.migrate")) {
        self.directory = directory
        self.logger = logger
    }

    /// The migration files in version order.
    ///
    /// - Throws: `MigrationError` if the directory is missing, a file name has no number, or two files share one.
    public func migrations() throws -> [Migration] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MigrationError.directoryMissing(directory)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }.sorted()
        var result: [Migration] = []
        for file in names {
            let digits = file.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, let version = Int(digits) else { throw MigrationError.badFileName(file) }
            let path = (directory as NSString).appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: path), let sql = String(data: data, encoding: .utf8) else {
                throw MigrationError.unreadable(path)
            }
            if let previous = result.last, previous.version == version {
                throw MigrationError.duplicateVersion(version, previous.name, file)
            }
            result.append(Migration(version: version, name: String(file.dropLast(4)), sql: sql, path: path))
        }
        return result
    }

    /// Applies the missing migrations and returns the ones it applied (empty when up to date).
    public func migrate(on connection: Connection) throws -> [Migration] {
        let files = try migrations()
        try AdvisoryLock.acquire(purpose: "the migration lock (another migrate is running, or a session holds it)",
                                 keySQL: MigratorSQL.lockKey, transactional: false, timeout: lockTimeout, on: connection)
        defer { _ = try? connection.query(MigratorSQL.unlock) }
        try connection.executeScript(MigratorSQL.createTable)
        var applied: [Int: (name: String, checksum: String)] = [:]
        for row in try connection.query(MigratorSQL.applied) {
            applied[try row.int("version")] = (try row.string("name"), try row.string("checksum"))
        }
        var done: [Migration] = []
        for migration in files {
            let checksum = try connection.query(MigratorSQL.checksum, [migration.sql])[0].string("checksum")
            if let existing = applied[migration.version] {
                guard existing.checksum == checksum else {
                    throw MigrationError.checksumChanged(version: migration.version, name: migration.name,
                                                         path: migration.path)
                }
                continue
            }
            do {
                try connection.transaction { conn in
                    try conn.executeScript(migration.sql)
                    try conn.execute(MigratorSQL.record, [migration.version, migration.name, checksum])
                }
            } catch let error as PostgresError {
                throw MigrationError.failed(version: migration.version, name: migration.name, error)
            }
            logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            done.append(migration)
        }
        return done
    }

    /// Finds the migrations directory: an explicit flag, then `VIROSCOPE_MIGRATIONS`, then a `migrations/`
    /// folder found walking up from the executable's directory (works from `.build/release` and an install
    /// prefix), then `./migrations`.
    public static func locateDirectory(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                                       executablePath: String = CommandLine.arguments.first ?? "") -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment["VIROSCOPE_MIGRATIONS"], !fromEnvironment.isEmpty { return fromEnvironment }
        let executable = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        for _ in 0..<8 {
            let candidate = directory.appendingPathComponent("migrations")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate.path
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        return "migrations"
    }
}

enum MigratorSQL {
    /// One lock per schema, so migrators of different schemas (parallel tests) do not wait for each other.
    static let lockKey = "hashtext('viroscope.migrate:' || current_schema())"
    static let unlock = "SELECT pg_advisory_unlock(hashtext('viroscope.migrate:' || current_schema()))"
    static let createTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version integer PRIMARY KEY,
            name text NOT NULL,
            checksum text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """
    static let applied = "SELECT version, name, checksum FROM schema_migrations ORDER BY version"
    static let checksum = "SELECT md5($1::text) AS checksum"
    static let record = "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)"
}

/// Why migrations could not be applied; each message names the file or directory.
public enum MigrationError: Error, CustomStringConvertible, Sendable {
    case directoryMissing(String)
    case badFileName(String)
    case unreadable(String)
    case duplicateVersion(Int, String, String)
    case checksumChanged(version: Int, name: String, path: String)
    case failed(version: Int, name: String, PostgresError)

    public var description: String {
        switch self {
        case .directoryMissing(let path):
            return "migrations directory \(path) not found (use --migrations DIR or VIROSCOPE_MIGRATIONS)"
        case .badFileName(let file):
            return "migration file \(file) does not start with a version number (expected e.g. 0001_name.sql)"
        case .unreadable(let path):
            return "cannot read migration file \(path) as UTF-8"
        case .duplicateVersion(let version, let first, let second):
            return "migration version \(version) used twice: \(first) and \(second)"
        case .checksumChanged(let version, let name, let path):
            return "migration \(version) (\(name)) was already applied but \(path) has changed since; "
                + "write a new migration instead of editing an applied one"
        case .failed(let version, let name, let error):
            return "migration \(version) (\(name)) failed: \(error)"
        }
    }
}
