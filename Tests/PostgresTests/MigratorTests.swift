import Foundation
import Postgres
import Testing
import TestSupport

@Suite(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct MigratorTests {
    private func temporaryMigrations(_ files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, sql) in files { try sql.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return directory
    }

    @Test func migratingTwiceChangesNothing() throws {
        let database = try TestDatabase.create(migrate: false)
        defer { database.drop() }
        let connection = try database.connect()
        let migrator = Migrator(directory: RepositoryPaths.migrations.path)
        let first = try migrator.migrate(on: connection)
        #expect(first.map(\.version).first == 1)
        let recorded = try connection.query("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")
        #expect(recorded.count == first.count)
        #expect(try migrator.migrate(on: connection).isEmpty)
        let again = try connection.query("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")
        #expect(try again.map { try $0.string("applied_at") } == recorded.map { try $0.string("applied_at") })
        // Created in the test schema, not in public.
        let schema = try connection.query("SELECT table_schema FROM information_schema.tables WHERE table_name = 'jobs'")
        #expect(try schema.map { try $0.string("table_schema") }.contains(database.schema))
    }

    @Test func concurrentMigratorsApplyOnce() throws {
        let database = try TestDatabase.create(migrate: false)
        defer { database.drop() }
        let directory = try temporaryMigrations([
            "0001_a.sql": "CREATE TABLE a (id int); SELECT pg_sleep(0.2);",
            "0002_b.sql": "CREATE TABLE b (id int);",
        ])
        let url = database.url
        let results = ThreadResults()
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let applied = try Migrator(directory: directory.path).migrate(on: Connection.connect(url: url))
                    results.append(.success(applied.count))
                } catch {
                    results.append(.failure("\(error)"))
                }
            }.start()
        }
        group.wait()
        let outcomes = results.all
        #expect(outcomes.count == 4)
        #expect(outcomes.compactMap { if case .success(let n) = $0 { n } else { nil } }.sorted() == [0, 0, 0, 2])
        #expect(try database.connect().query("SELECT count(*) AS n FROM schema_migrations")[0].int("n") == 2)
    }

    @Test func changedChecksumIsRefused() throws {
        let database = try TestDatabase.create(migrate: false)
        defer { database.drop() }
        let directory = try temporaryMigrations(["0001_a.sql": "CREATE TABLE a (id int);"])
        let connection = try database.connect()
        _ = try Migrator(directory: directory.path).migrate(on: connection)
        try "CREATE TABLE a (id bigint);".write(to: directory.appendingPathComponent("0001_a.sql"), atomically: true, encoding: .utf8)
        let error = try #require(throws: MigrationError.self) { try Migrator(directory: directory.path).migrate(on: connection) }
        guard case .checksumChanged(let version, _, _) = error else {
            Issue.record("expected checksumChanged, got \(error)")
            return
        }
        #expect(version == 1)
        #expect(error.description.contains("0001_a.sql"))
    }

    @Test func failingMigrationLeavesNothingBehind() throws {
        let database = try TestDatabase.create(migrate: false)
        defer { database.drop() }
        let directory = try temporaryMigrations([
            "0001_ok.sql": "CREATE TABLE ok (id int);",
            "0002_bad.sql": "CREATE TABLE half (id int); SELECT no_such_function();",
        ])
        let connection = try database.connect()
        #expect(throws: MigrationError.self) { try Migrator(directory: directory.path).migrate(on: connection) }
        #expect(try connection.query("SELECT version FROM schema_migrations").count == 1)
        #expect(try connection.query("SELECT to_regclass('half') IS NULL AS gone")[0].bool("gone"))
    }

    @Test func missingDirectoryIsAClearError() throws {
        let database = try TestDatabase.create(migrate: false)
        defer { database.drop() }
        let error = try #require(throws: MigrationError.self) {
            try Migrator(directory: "/nonexistent/migrations").migrate(on: database.connect())
        }
        #expect(error.description.contains("/nonexistent/migrations"))
        #expect(error.description.contains("--migrations"))
    }

    @Test func directoryIsFoundByFlagEnvironmentOrWalkingUp() throws {
        #expect(Migrator.locateDirectory(explicit: "/x", environment: ["VIROSCOPE_MIGRATIONS": "/y"]) == "/x")
        #expect(Migrator.locateDirectory(explicit: nil, environment: ["VIROSCOPE_MIGRATIONS": "/y"]) == "/y")
        let executable = RepositoryPaths.root.appendingPathComponent(".build/release/viroscope-coordinator").path
        #expect(Migrator.locateDirectory(explicit: nil, environment: [:], executablePath: executable)
                == RepositoryPaths.migrations.path)
        #expect(Migrator.locateDirectory(explicit: nil, environment: [:], executablePath: "/nowhere/bin/tool") == "migrations")
    }
}

/// Collects results from threads.
final class ThreadResults: @unchecked Sendable {
    enum Outcome: Equatable { case success(Int), failure(String) }
    private let lock = NSLock()
    private var outcomes: [Outcome] = []
    func append(_ outcome: Outcome) { lock.lock(); outcomes.append(outcome); lock.unlock() }
    var all: [Outcome] { lock.lock(); defer { lock.unlock() }; return outcomes }
}
