import Foundation
import Postgres
import Synthetic
import TestSupport

/// A small synthetic campaign on disk plus a fresh database schema, for end-to-end tests that run the real
/// executables against the real PostgreSQL test cluster.
struct CampaignFixture {
    let directory: URL
    let database: TestDatabase

    var images: String { directory.appendingPathComponent("images").path }
    var plateMap: String { directory.appendingPathComponent("images/plate-map.csv").path }
    var model: String { RepositoryPaths.root.appendingPathComponent("models/default").path }
    var environment: [String: String] { ["VIROSCOPE_DATABASE_URL": database.url] }

    /// - Parameter wells: wells imaged (controls first, then a spread of the dilution series).
    init(wells: Int = 12, seed: UInt64 = 7, imageSize: Int = 256) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("viroscope-campaign-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let settings = CampaignSettings(imageSize: imageSize, seed: seed, nucleiPerImage: 30, wellLimit: wells)
        _ = try SyntheticCampaign(settings: settings).generate(into: directory.appendingPathComponent("images").path)
        database = try TestDatabase.create()
    }

    func path(_ relative: String) -> String { directory.appendingPathComponent("images/\(relative)").path }

    func coordinator(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try ChildProcess.run(try BuiltExecutable.path("viroscope-coordinator"), arguments, environment: environment,
                             timeout: .seconds(120))
    }

    func submit(name: String = "c1", extra: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
        try coordinator(["submit", "--name", name, "--images", images, "--plate-map", plateMap, "--model", model,
                         "--batch-size", "3"] + extra)
    }

    func drain(concurrency: Int = 2, extra: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
        try ChildProcess.run(try BuiltExecutable.path("viroscope-worker"),
                             ["run", "--concurrency", "\(concurrency)", "--exit-when-idle", "--poll-interval", "200ms"]
                                + extra, environment: environment, timeout: .seconds(300))
    }

    func scalar(_ sql: String) throws -> Int64 {
        let connection = try database.connect()
        guard let row = try connection.query(sql).first else { return 0 }
        return try row.int64(row.columnNames[0])
    }

    func tearDown() {
        database.drop()
        try? FileManager.default.removeItem(at: directory)
    }
}
