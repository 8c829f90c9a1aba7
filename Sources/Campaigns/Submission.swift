import Foundation
import JobQueue
import NeuralNet
import Postgres
import Analysis
import Screening

/// How a campaign is cut into jobs and analysed.
public struct SubmissionOptions: Sendable {
    /// Image sets per job: big enough that the queue's cost is small against the analysis, small enough that a
    /// lost worker costs little work and the load spreads over many workers.
    public var batchSize: Int
    public var maxAttempts: Int
    public var priority: Int16
    public var modelName: String
    public var settings: AnalysisSettings
    /// The model-domain verdict (`CampaignDomainCheck`), stored with the campaign; nil when not checked.
    public var domainVerdict: DomainVerdict?
    /// How long to wait for another submission of the same name before naming the session that holds it.
    public var lockTimeout: Duration = .seconds(60)

    public init(batchSize: Int = 4, maxAttempts: Int = 5, priority: Int16 = 100, modelName: String,
                settings: AnalysisSettings = AnalysisSettings(), domainVerdict: DomainVerdict? = nil) {
        self.batchSize = batchSize
        self.maxAttempts = maxAttempts
        self.priority = priority
        self.modelName = modelName
        self.settings = settings
        self.domainVerdict = domainVerdict
    }
}

/// What a submission stored, or found already stored.
public struct SubmissionResult: Sendable, Equatable, Codable {
    public var campaignID: Int64
    /// True when the same campaign had been submitted before: nothing was written.
    public var alreadySubmitted: Bool
    public var plates: Int
    public var wells: Int
    public var imageSets: Int
    public var jobs: Int
    public var modelSHA256: String
    /// For a resubmission: what was requeued for image sets still without a result (nil if none was needed
    /// or the campaign is cancelled).
    public var recovered: CampaignRecovery.Result? = nil
    /// For a resubmission: the campaign was cancelled by an operator, so nothing was requeued.
    public var cancelled = false
}

/// The payload of an `analyse-images` job: the campaign and the image sets of the batch, with channel paths
/// relative to the image root.
public struct AnalyseImagesPayload: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var id: Int64
        public var nuclear: String
        public var reporter: String?
    }

    public var campaign: Int64
    public var imageSets: [Entry]

    enum CodingKeys: String, CodingKey {
        case campaign, imageSets = "image_sets"
    }

    public static let kind = "analyse-images"

    /// The `analyse-images` jobs for `entries`, `batchSize` image sets per job, in order: what submission, retry
    /// and repair all enqueue.
    static func jobs(campaign: Int64, entries: [Entry], batchSize: Int, priority: Int16, maxAttempts: Int) throws
        -> [NewJob]
    {
        let batch = max(1, batchSize)
        return try stride(from: 0, to: entries.count, by: batch).map { start in
            let payload = AnalyseImagesPayload(campaign: campaign,
                                               imageSets: Array(entries[start..<min(entries.count, start + batch)]))
            return NewJob(kind: kind, payload: try CampaignSubmitter.jsonText(payload), campaignID: campaign,
                          priority: priority, maxAttempts: maxAttempts)
        }
    }
}

extension AnalyseImagesPayload.Entry {
    /// An entry from a query row with `id`, `nuclear` and `reporter` columns.
    init(row: Row) throws {
        self.init(id: try row.int64("id"), nuclear: try row.string("nuclear"), reporter: try row.optionalString("reporter"))
    }
}

/// Stores a campaign and enqueues its jobs in one transaction, so a crash halfway leaves nothing behind and a
/// worker never sees a job whose images are not yet stored.
public enum CampaignSubmitter {
    public static func submit(
        _ plan: CampaignPlan, model: Model, options: SubmissionOptions, on connection: Connection
    ) throws -> SubmissionResult {
        guard plan.errors.isEmpty else { throw CampaignError.invalid(campaign: plan.name, errors: plan.errors) }
        let settingsJSON = try jsonText(options.settings)
        let fingerprint = fingerprint(plan, modelSHA: model.sha256, settingsJSON: settingsJSON,
                                      batchSize: options.batchSize)
        return try connection.transaction { connection in
            try AdvisoryLock.acquire(purpose: "the submit lock of campaign \(CampaignName.printable(plan.name))",
                                     keySQL: CampaignSQL.lockKey, parameters: [plan.name], transactional: true,
                                     timeout: options.lockTimeout, on: connection)
            if let existing = try connection.query(CampaignSQL.campaignByName, [plan.name]).first {
                guard try existing.string("fingerprint") == fingerprint else {
                    throw CampaignError.nameTaken(campaign: plan.name)
                }
                // The same campaign again: offer what `retry --campaign` would, unless an operator cancelled it.
                let id = try existing.int64("id")
                if try existing.string("state") == "cancelled" {
                    var result = try counts(campaignID: id, modelSHA: model.sha256, already: true, on: connection)
                    result.cancelled = true
                    return result
                }
                let recovered = try CampaignRecovery.recover(campaignID: id, batchSize: options.batchSize,
                                                             priority: options.priority, maxAttempts: options.maxAttempts,
                                                             on: connection)
                var result = try counts(campaignID: id, modelSHA: model.sha256, already: true, on: connection)
                result.recovered = recovered.isEmpty ? nil : recovered
                return result
            }
            let modelID = try ModelStore.store(model, name: options.modelName, on: connection)
            guard let campaignRow = try connection.query(CampaignSQL.insertCampaign, [
                plan.name, modelID, plan.imageRoot, plan.channels.nuclear, plan.channels.reporter, settingsJSON,
                fingerprint,
            ]).first else { throw CampaignError.unknownCampaign(plan.name) }
            let campaignID = try campaignRow.int64("id")
            if let verdict = options.domainVerdict {
                try CampaignDomainCheck.record(verdict, campaignID: campaignID, on: connection)
            }

            var plateIDs: [String: Int64] = [:]
            for row in try connection.query(CampaignSQL.insertPlates, [campaignID, plan.plates.map(\.barcode),
                                                                       plan.format.rawValue]) {
                plateIDs[try row.string("barcode")] = try row.int64("id")
            }
            let wells = plan.plates.flatMap { plate in plate.wells.map { (plate.barcode, $0) } }
            var wellPlateIDs: [Int64] = [], positions: [String] = [], treatments: [String?] = [],
                concentrations: [Double?] = [], units: [String?] = [], viruses: [String?] = [], mois: [Double?] = [],
                controls: [String?] = [], extras: [String] = []
            for (barcode, well) in wells {
                wellPlateIDs.append(plateIDs[barcode] ?? 0)
                positions.append(well.position.description)
                treatments.append(well.condition?.treatment)
                concentrations.append(well.condition?.concentration)
                units.append(well.condition?.unit)
                viruses.append(well.condition?.virus)
                mois.append(well.condition?.moi)
                controls.append(well.condition?.control?.rawValue)
                extras.append(try jsonText(well.condition?.extra ?? [:]))
            }
            var wellIDs: [String: Int64] = [:]
            for row in try connection.query(CampaignSQL.insertWells, [
                wellPlateIDs, positions, treatments, concentrations, units, viruses, mois, controls, extras,
            ]) {
                wellIDs["\(try row.int64("plate_id"))/\(try row.string("position"))"] = try row.int64("id")
            }

            let sets = wells.flatMap { barcode, well in
                well.imageSets.map { (wellIDs["\(plateIDs[barcode] ?? 0)/\(well.position)"] ?? 0, $0) }
            }
            var setIDs: [String: Int64] = [:]
            for row in try connection.query(CampaignSQL.insertImageSets, [
                sets.map(\.0), sets.map { $0.1.site }, sets.map { $0.1.timePoint },
            ]) {
                setIDs["\(try row.int64("well_id"))/\(try row.int("site"))/\(try row.int("time_point"))"] = try row.int64("id")
            }
            var imageSetIDs: [Int64] = [], channels: [String] = [], paths: [String] = []
            var entries: [AnalyseImagesPayload.Entry] = []
            for (wellID, set) in sets {
                let id = setIDs["\(wellID)/\(set.site)/\(set.timePoint)"] ?? 0
                for channel in set.channels.keys.sorted() {
                    imageSetIDs.append(id)
                    channels.append(channel)
                    paths.append(set.channels[channel] ?? "")
                }
                entries.append(.init(id: id, nuclear: set.channels[plan.channels.nuclear] ?? "",
                                     reporter: plan.channels.reporter.flatMap { set.channels[$0] }))
            }
            try connection.execute(CampaignSQL.insertImages, [imageSetIDs, channels, paths])

            let jobs = try AnalyseImagesPayload.jobs(campaign: campaignID, entries: entries, batchSize: options.batchSize,
                                                     priority: options.priority, maxAttempts: options.maxAttempts)
            try Enqueue.enqueue(jobs, on: connection)
            return try counts(campaignID: campaignID, modelSHA: model.sha256, already: false, on: connection)
        }
    }

    static func counts(campaignID: Int64, modelSHA: String, already: Bool, on connection: Connection) throws
        -> SubmissionResult
    {
        guard let row = try connection.query(CampaignSQL.countCampaign, [campaignID]).first else {
            throw CampaignError.unknownCampaign("#\(campaignID)")
        }
        return SubmissionResult(campaignID: campaignID, alreadySubmitted: already, plates: try row.int("plates"),
                                wells: try row.int("wells"), imageSets: try row.int("image_sets"),
                                jobs: try row.int("jobs"), modelSHA256: modelSHA)
    }

    /// A digest of everything that makes the campaign what it is; equal digests mean a harmless resubmission.
    static func fingerprint(_ plan: CampaignPlan, modelSHA: String, settingsJSON: String, batchSize: Int) -> String {
        var bytes: [UInt8] = []
        func add(_ text: String) { bytes += Array(text.utf8) + [0] }
        add(modelSHA)
        add(settingsJSON)
        add("\(batchSize)|\(plan.format.rawValue)|\(plan.channels.nuclear)|\(plan.channels.reporter ?? "")")
        for plate in plan.plates {
            add(plate.barcode)
            for well in plate.wells {
                let c = well.condition
                add("\(well.position)|\(c?.treatment ?? "")|\(c?.concentration.map { "\($0)" } ?? "")|\(c?.unit ?? "")|"
                    + "\(c?.virus ?? "")|\(c?.moi.map { "\($0)" } ?? "")|\(c?.control?.rawValue ?? "")")
                for set in well.imageSets {
                    add("\(set.site)|\(set.timePoint)|" + set.channels.keys.sorted().map { "\($0)=\(set.channels[$0] ?? "")" }
                        .joined(separator: "|"))
                }
            }
        }
        return SHA256.hex(bytes)
    }

    static func jsonText<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
