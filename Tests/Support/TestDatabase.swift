import Foundation
import Postgres

/// A fresh schema on the test cluster (`VIROSCOPE_TEST_DATABASE_URL`), migrated, for one test.
///
/// Isolation is by `search_path`: `url` carries `?options=-csearch_path%3D<schema>`, so both in-process
/// connections and the executables a test starts see only this schema. Call `drop()` when done.
public struct TestDatabase: Sendable {
    public static let environmentVariable = "VIROSCOPE_TEST_DATABASE_URL"

    /// The cluster URL, if the test script set it. Tests are skipped (with that reason) only when it is unset.
    public static var baseURL: String? {
        guard let url = ProcessInfo.processInfo.environment[environmentVariable], !url.isEmpty else { return nil }
        return url
    }

    public static var isConfigured: Bool { baseURL != nil }

    public let baseURL: String
    public let schema: String
    /// The URL to give code under test: the cluster URL with this schema as `search_path`.
    public let url: String

    /// Creates the schema and, unless `migrate` is false, applies `migrations/`.
    public static func create(migrate: Bool = true, file: StaticString = #filePath) throws -> TestDatabase {
        guard let baseURL else { throw TestSupportError.notConfigured }
        let schema = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let admin = try Connection.connect(url: baseURL)
        try admin.executeScript("CREATE SCHEMA " + Connection.quoteIdentifier(schema))
        let database = TestDatabase(baseURL: baseURL, schema: schema, url: withSearchPath(baseURL, schema: schema))
        if migrate {
            _ = try Migrator(directory: RepositoryPaths.migrations.path).migrate(on: try database.connect())
        }
        return database
    }

    /// A new connection whose `search_path` is this schema.
    public func connect() throws -> Connection { try Connection.connect(url: url) }

    /// Drops the schema and everything in it.
    public func drop() {
        guard let admin = try? Connection.connect(url: baseURL) else { return }
        try? admin.executeScript("DROP SCHEMA IF EXISTS " + Connection.quoteIdentifier(schema) + " CASCADE")
    }

    /// Adds `options=-csearch_path=<schema>` to a URL, keeping its other parameters.
    public static func withSearchPath(_ url: String, schema: String) -> String {
        url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D" + schema
    }
}

public enum TestSupportError: Error, CustomStringConvertible {
    case notConfigured
    case executableNotFound(String, searched: [String])
    case timedOut(String)
    case spawnFailed(String, errno: Int32)
    case clusterFailed(String)

    public var description: String {
        switch self {
        case .notConfigured: return "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"
        case .executableNotFound(let name, let searched):
            return "executable \(name) not found (searched \(searched.joined(separator: ", "))); build it first"
        case .timedOut(let what): return "timed out: \(what)"
        case .spawnFailed(let path, let code): return "cannot start \(path): \(String(cString: strerror(code)))"
        case .clusterFailed(let detail): return "private PostgreSQL cluster: \(detail)"
        }
    }
}

/// Paths inside the repository, found from this file's location.
public enum RepositoryPaths {
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static var migrations: URL { root.appendingPathComponent("migrations") }
}
