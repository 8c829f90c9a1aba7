import Foundation
import Analysis
import NeuralNet
import Postgres
import Synchronization

/// Campaign settings and models for the worker, read from the database on first use and cached: they never
/// change once a campaign is submitted (models are addressed by content).
final class CampaignCatalog: @unchecked Sendable {
    private let databaseURL: String?
    private let models: ModelCache
    private let campaigns = Mutex<[Int64: CampaignRuntime]>([:])
    /// One connection for cache misses, opened on first need and reopened if it broke; guarded by `lock`.
    private var connection: Connection?
    private let lock = NSLock()

    init(databaseURL: String?, models: ModelCache) {
        self.databaseURL = databaseURL
        self.models = models
    }

    func campaign(id: Int64) throws -> CampaignRuntime {
        if let cached = campaigns.withLock({ $0[id] }) { return cached }
        let runtime = try withConnection { connection -> CampaignRuntime in
            guard let row = try connection.query(CampaignSQL.campaignByID, [id]).first else {
                throw CampaignError.unknownCampaign("#\(id)")
            }
            let settingsJSON = try row.string("settings")
            let settings: AnalysisSettings
            do { settings = try JSONDecoder().decode(AnalysisSettings.self, from: Data(settingsJSON.utf8)) } catch {
                throw CampaignError.badPayload(jobID: 0, reason: "campaign #\(id) settings: \(error)")
            }
            return CampaignRuntime(id: id, name: try row.string("name"), imageRoot: try row.string("image_root"),
                                   modelSHA256: try row.string("model_sha256"), settings: settings,
                                   settingsJSON: settingsJSON)
        }
        campaigns.withLock { $0[id] = runtime }
        return runtime
    }

    func model(sha256: String) throws -> Model {
        try models.model(sha256: sha256) {
            try withConnection { try ModelStore.load(sha256: sha256, on: $0) }
        }
    }

    private func withConnection<T>(_ body: (Connection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if connection == nil || connection?.isConnected == false {
            connection = try Connection.connect(url: databaseURL, retryFor: .seconds(30))
        }
        guard let live = connection else { throw CampaignError.unknownCampaign("(no database connection)") }
        return try body(live)
    }
}
