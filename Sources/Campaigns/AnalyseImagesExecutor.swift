import Foundation
import Analysis
import Imaging
import JobQueue
import Logging
import NeuralNet
import Postgres
import SafeFiles
import Synchronization

/// What a worker needs to know about a campaign to analyse its images; read once per campaign.
struct CampaignRuntime: Sendable {
    let id: Int64
    let name: String
    let imageRoot: String
    let modelSHA256: String
    let settings: AnalysisSettings
    let settingsJSON: String
}

/// Runs `analyse-images` jobs: for each image set of the batch, read, segment, classify, and hand back the rows
/// to write in the job's fenced completion transaction.
///
/// An image that cannot be read becomes that image set's recorded error, not a failed batch. An image root
/// that is not there at all is a node problem, not an image problem: the job fails and is retried, possibly on
/// another node, instead of recording every image as broken.
public final class AnalyseImagesExecutor: JobExecutor {
    /// Where this node mounts the campaign images; nil uses the path the coordinator saw.
    let imageRoot: String?
    let softwareVersion: String
    /// The watchdog's limit for one image set (see `JobContext.beginStep`).
    let imageSetDeadline: Duration
    private let catalog: CampaignCatalog
    private let analyzers = Mutex<[String: [ImageSetAnalyzer]]>([:])
    private let onImageAnalysed: (@Sendable (_ nuclei: Int, _ seconds: Double) -> Void)?
    /// Images with more pixels are their image set's error, refused before allocation (`--max-pixels`).
    public let maximumPixels: Int

    /// - Parameters:
    ///   - databaseURL: for reading campaigns and models (one extra connection, used only on a cache miss).
    ///   - imageRoot: this node's mount of the shared image storage.
    ///   - onImageAnalysed: called on the job's thread after each image set analysed without error, with its
    ///     nucleus count and wall time (for metrics); it must be quick and thread-safe.
    ///   - maximumPixels: the pixel budget per image (see `TIFFReader.defaultPixelBudget`).
    public init(databaseURL: String?, imageRoot: String?, softwareVersion: String, models: ModelCache = ModelCache(),
                imageSetDeadline: Duration = .seconds(600),
                onImageAnalysed: (@Sendable (_ nuclei: Int, _ seconds: Double) -> Void)? = nil,
                maximumPixels: Int = TIFFReader.defaultPixelBudget) {
        self.imageRoot = imageRoot
        self.maximumPixels = maximumPixels
        self.softwareVersion = softwareVersion
        self.imageSetDeadline = imageSetDeadline
        self.catalog = CampaignCatalog(databaseURL: databaseURL, models: models)
        self.onImageAnalysed = onImageAnalysed
    }

    public func execute(_ job: ClaimedJob, context: JobContext) throws -> JobOutcome {
        let payload: AnalyseImagesPayload
        do { payload = try JSONDecoder().decode(AnalyseImagesPayload.self, from: Data(job.payload.utf8)) } catch {
            throw PermanentJobFailure("job \(job.id): bad analyse-images payload: \(error)")
        }
        let campaign = try catalog.campaign(id: payload.campaign)
        let model = try catalog.model(sha256: campaign.modelSHA256)
        let root = imageRoot ?? campaign.imageRoot
        try NodeFaults.checkRoot(root)

        let analyzer = try checkOutAnalyzer(model: model, campaign: campaign)
        // Paths are opened relative to the root, resolved and contained, exactly as submit checked them.
        analyzer.imageRoot = root
        analyzer.maximumPixels = maximumPixels
        defer { checkIn(analyzer, key: analyzerKey(model: model, campaign: campaign)) }

        var outcomes: [(AnalyseImagesPayload.Entry, Result<ImageSetAnalysis, AnalysisError>)] = []
        for entry in payload.imageSets {
            // Between image sets: a stop in release mode, a second signal or a lost lease ends the job here.
            try context.checkpoint(job)
            context.beginStep(deadline: imageSetDeadline)
            defer { context.endStep() }
            let started = ContinuousClock.now
            do {
                let nuclear = try resolve(entry.nuclear, root: root)
                let reporter = try entry.reporter.map { try resolve($0, root: root) }
                try NodeFaults.checkFolders(of: [nuclear] + (reporter.map { [$0] } ?? []), root: root)
                let analysis = try analyzer.analyse(nuclearPath: nuclear, reporterPath: reporter)
                outcomes.append((entry, .success(analysis)))
                onImageAnalysed?(analysis.nuclei.count, (ContinuousClock.now - started).seconds)
                context.logger.debug("analysed image set", metadata: [
                    "job": "\(job.id)", "image_set": "\(entry.id)", "file": "\(entry.nuclear)",
                    "nuclei": "\(analysis.nuclei.count)", "infected": "\(analysis.infected)",
                ])
            } catch let error as AnalysisError {
                context.logger.warning("image set failed", metadata: [
                    "job": "\(job.id)", "image_set": "\(entry.id)", "error": "\(error)",
                ])
                outcomes.append((entry, .failure(error)))
            }
        }
        let rows = ResultRows(outcomes: outcomes)
        let workerID = context.workerID
        let version = softwareVersion
        return .succeededWithResults { connection in
            try rows.write(jobID: job.id, leaseToken: job.leaseToken, workerID: workerID, modelSHA: model.sha256,
                           settingsJSON: campaign.settingsJSON, softwareVersion: version, on: connection)
        }
    }

    /// The stored path, checked on its face; the analyser opens it under the root with `SafeFile`, which
    /// also refuses symlinks that resolve outside the root and files that are not regular.
    private func resolve(_ relative: String, root: String) throws(AnalysisError) -> String {
        if let reason = SafeFile.lexicalEscape(relative) {
            throw AnalysisError(file: relative, reason: "path escapes the image root: \(reason)")
        }
        return relative
    }

    private func analyzerKey(model: Model, campaign: CampaignRuntime) -> String { "\(model.sha256)/\(campaign.id)" }

    /// Analysers hold scratch memory and an inference session: one per thread, reused across jobs.
    private func checkOutAnalyzer(model: Model, campaign: CampaignRuntime) throws -> ImageSetAnalyzer {
        let key = analyzerKey(model: model, campaign: campaign)
        if let pooled = analyzers.withLock({ $0[key]?.popLast() }) { return pooled }
        return try ImageSetAnalyzer(model: model, settings: campaign.settings)
    }

    private func checkIn(_ analyzer: ImageSetAnalyzer, key: String) {
        analyzers.withLock { $0[key, default: []].append(analyzer) }
    }
}

