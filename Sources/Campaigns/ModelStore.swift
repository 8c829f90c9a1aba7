import Foundation
import Postgres
import NeuralNet
import Synchronization

/// Models live in the database, keyed by their sha256, so every worker on every node runs exactly the bytes a
/// campaign pinned, whatever is on its own disk.
public enum ModelStore {
    /// Stores `model` unless a model with the same sha256 is there already.
    /// - Returns: the row id of the stored (or existing) model.
    public static func store(_ model: Model, name: String, on connection: Connection) throws -> Int64 {
        let rows = try connection.query(CampaignSQL.insertModel, [
            name, model.sha256, String(decoding: model.architectureJSON, as: UTF8.self),
            ByteaValue(bytes: model.weightsBytes),
        ])
        if let row = rows.first { return try row.int64("id") }
        guard let existing = try connection.query(CampaignSQL.modelID, [model.sha256]).first else {
            throw CampaignError.modelMissing(sha256: model.sha256)
        }
        return try existing.int64("id")
    }

    /// Loads the model with this sha256 and checks that its bytes still hash to it.
    public static func load(sha256: String, on connection: Connection) throws -> Model {
        guard let row = try connection.query(CampaignSQL.modelBySHA, [sha256]).first else {
            throw CampaignError.modelMissing(sha256: sha256)
        }
        let architecture = Array(try row.string("architecture").utf8)
        let weights = try row.bytes("weights")
        let model = try Model(architectureJSON: architecture, weights: weights, source: "models row \(sha256.prefix(12))")
        guard model.sha256 == sha256 else {
            throw CampaignError.modelCorrupt(sha256: sha256, actual: model.sha256)
        }
        return model
    }
}

/// Models already loaded by this process, by sha256: a worker reads a model from the database once.
public final class ModelCache: Sendable {
    private let models = Mutex<[String: Model]>([:])

    public init() {}

    public func model(sha256: String, load: () throws -> Model) throws -> Model {
        if let cached = models.withLock({ $0[sha256] }) { return cached }
        let model = try load()
        models.withLock { $0[sha256] = model }
        return model
    }
}

extension ModelStore {
    /// The most recently stored model with this name.
    public static func load(name: String, on connection: Connection) throws -> Model? {
        guard let row = try connection.query(CampaignSQL.modelByName, [name]).first else { return nil }
        return try load(sha256: try row.string("sha256"), on: connection)
    }

    /// Finds the model directory `models/NAME` shipped with Viroscope: next to the executable's install tree
    /// (walking up from its directory), then under the current directory.
    public static func shippedModelDirectory(named name: String) -> URL? {
        let fileManager = FileManager.default
        var candidates: [URL] = []
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(directory.appendingPathComponent("models").appendingPathComponent(name))
            candidates.append(directory.appendingPathComponent("share/viroscope/models").appendingPathComponent(name))
            directory.deleteLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: fileManager.currentDirectoryPath).appendingPathComponent("models")
            .appendingPathComponent(name))
        return candidates.first {
            fileManager.fileExists(atPath: $0.appendingPathComponent(Model.architectureFileName).path)
        }
    }
}
