import Analysis
import ArgumentParser
import Campaigns
import CommandLineSupport
import Foundation
import Imaging
import NeuralNet
import Postgres
import Screening

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a screening campaign: find its images, join the plate map, validate, store, enqueue.",
        discussion: """
            Everything is checked before anything is written (missing channels, wells without a map row, \
            unreadable files, paths outside the image root); then the model, campaign, plates, wells, image sets \
            and jobs are stored in one transaction. Submitting the same campaign again changes nothing.
            Exit codes: 0 submitted (or already submitted), 1 validation or database error, 2 usage error.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Campaign name, unique in the database.")
    var name: String

    @Option(help: "Directory holding the campaign's TIFF images (searched recursively).")
    var images: String

    @Option(help: "Plate map CSV (columns: well, treatment, concentration, unit, virus, moi, control), or an index CSV 'plate,map' with one map per plate barcode.")
    var plateMap: String

    @Option(help: "Model directory (architecture.json + weights.safetensors), a shipped model name such as 'default', or the name of a model already in the database.")
    var model = "default"

    @Option(help: "File naming scheme: auto, imagexpress, opera or manifest.")
    var scheme = "auto"

    @Option(help: "CSV manifest (plate,well,site,time_point,channel,path) when --scheme manifest.")
    var manifest: String?

    @Option(help: "Channel with the nuclear stain (default: w1 for ImageXpress names, ch1 for Opera).")
    var nuclearChannel: String?

    @Option(help: "Reporter (GFP) channel, measured for comparison with the prediction (default: w2 / ch2 if present).")
    var reporterChannel: String?

    @Flag(help: "Ignore any reporter channel.")
    var noReporter = false

    @Option(help: "Reporter intensity above which a nucleus is reporter-positive (default: calibrated from the control wells).")
    var reporterThreshold: Float?

    @Option(help: "Plate format: auto, 96, 384 or 1536.")
    var plateFormat = "auto"

    @Option(help: "Image sets per job.")
    var batchSize = 4

    @Option(help: "Attempts per job before it is discarded.")
    var maxAttempts = 5

    @Option(help: "Root of the shared image storage that contains --images (default: --images itself). Paths are stored relative to it; workers on other nodes resolve them under their own --image-root.")
    var imageRoot: String?

    @Option(help: "Probability of infection at or above which a nucleus counts as infected (above 0, at most 1).")
    var infectionThreshold: Float = 0.5

    @Option(help: "Smallest nucleus kept, in pixels.")
    var minArea: Int?

    @Option(help: "Largest nucleus kept, in pixels.")
    var maxArea: Int?

    @Flag(help: "Submit even when the campaign's control wells look unlike the model's training data (the verdict is stored and shown in status and the report).")
    var acceptOutOfDomain = false

    @Option(help: "How long to wait for another submission of the same name (a lock) before naming who holds it.")
    var lockTimeout = DurationFlag(argument: "60s")!

    @Flag(help: "Resample every image so the control nuclei's median diameter matches the model's training data (scale normalisation; needs the model's domain.json).")
    var rescaleToModel = false

    @Flag(help: "Validate and print what would be submitted, without writing anything.")
    var dryRun = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        if let problem = CampaignName.problem(name) { throw ValidationError("--name: \(problem)") }
        try NumericFlag.check(lockTimeout.duration, "--lock-timeout", in: .milliseconds(100) ... .seconds(24 * 3600))
        try NumericFlag.check(batchSize, "--batch-size", in: 1...10_000, unit: "image sets")
        try NumericFlag.check(maxAttempts, "--max-attempts", in: 1...1000)
        try NumericFlag.check(infectionThreshold, "--infection-threshold", in: 0.000_001...1)
        if let reporterThreshold { try NumericFlag.checkFinite(reporterThreshold, "--reporter-threshold") }
        if let minArea { try NumericFlag.check(minArea, "--min-area", in: 0...TIFFReader.maximumPixelCount, unit: "pixels") }
        if let maxArea { try NumericFlag.check(maxArea, "--max-area", in: 1...TIFFReader.maximumPixelCount, unit: "pixels") }
        // The same settings the real submit stores, so --dry-run refuses what the workers would fail on.
        if let problem = analysisSettings.segmentation.problem {
            throw ValidationError("--min-area/--max-area: \(problem) (min \(analysisSettings.segmentation.minimumArea), "
                                  + "max \(analysisSettings.segmentation.maximumArea))")
        }
        guard ["auto", "imagexpress", "opera", "manifest"].contains(scheme.lowercased()) else {
            throw ValidationError("--scheme must be auto, imagexpress, opera or manifest")
        }
        if scheme.lowercased() == "manifest", manifest == nil { throw ValidationError("--scheme manifest needs --manifest FILE") }
        guard plateFormat == "auto" || Int(plateFormat).flatMap(PlateFormat.init(rawValue:)) != nil else {
            throw ValidationError("--plate-format must be auto, 96, 384 or 1536")
        }
    }

    /// The analysis settings the flags describe (before reporter-threshold calibration).
    private var analysisSettings: AnalysisSettings {
        var settings = AnalysisSettings(infectionThreshold: infectionThreshold, reporterThreshold: reporterThreshold)
        if let minArea { settings.segmentation.minimumArea = minArea }
        if let maxArea { settings.segmentation.maximumArea = maxArea }
        return settings
    }

    func run() throws {
        let root = URL(fileURLWithPath: imageRoot ?? images)
        let plan: CampaignPlan
        let loadedModel: Model?
        var settings = analysisSettings
        do {
            plan = try makePlan(root: root, images: URL(fileURLWithPath: images))
            loadedModel = try loadModelFromDisk()
        } catch {
            fail("\(error)")
        }
        for warning in plan.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        guard plan.errors.isEmpty else { fail("\(CampaignError.invalid(campaign: name, errors: plan.errors))") }
        if settings.reporterThreshold == nil, plan.channels.reporter != nil {
            do {
                if let calibration = try ReporterThresholdCalibration.calibrate(plan, segmentation: settings.segmentation) {
                    settings.reporterThreshold = calibration.threshold
                    let value = String(format: "%.1f", calibration.threshold)
                    if calibration.fromControls {
                        note("reporter threshold \(value) calibrated on \(calibration.nuclei) nuclei of "
                             + "\(calibration.imageSets) control image sets")
                    } else {
                        note("warning: the plate map marks no control wells, so calibration had no controls: the reporter "
                             + "threshold \(value) was calibrated on \(calibration.nuclei) nuclei of "
                             + "\(calibration.imageSets) sample image sets; give --reporter-threshold to set it yourself")
                    }
                }
            } catch {
                fail("cannot calibrate the reporter threshold: \(error)")
            }
        }
        note("found \(plan.imageSetCount) image sets in \(plan.wellCount) wells on \(plan.plates.count) plate(s) "
             + "(\(plan.schemeName) names, \(plan.format), nuclear \(plan.channels.nuclear)"
             + (plan.channels.reporter.map { ", reporter \($0)" } ?? "") + ")")
        let domainVerdict = checkDomain(plan, settings: &settings)
        if dryRun {
            note("dry run: nothing written")
            return
        }
        try database.withConnection("submit") { connection in
            let model: Model
            if let loadedModel { model = loadedModel } else {
                guard let stored = try ModelStore.load(name: self.model, on: connection) else {
                    throw CampaignError.invalid(campaign: name, errors: [
                        "model '\(self.model)' is neither a model directory, a shipped model, nor a model in the database",
                    ])
                }
                model = stored
            }
            var options = SubmissionOptions(batchSize: batchSize, maxAttempts: maxAttempts,
                                            modelName: modelName(model), settings: settings,
                                            domainVerdict: domainVerdict)
            options.lockTimeout = lockTimeout.duration
            let result = try CampaignSubmitter.submit(plan, model: model, options: options, on: connection)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                print((result.alreadySubmitted ? "already submitted: " : "submitted: ")
                      + "campaign \(name) (id \(result.campaignID)): \(result.plates) plate(s), \(result.wells) wells, "
                      + "\(result.imageSets) image sets in \(result.jobs) jobs; model \(result.modelSHA256.prefix(12))")
                if let recovered = result.recovered {
                    print("requeued \(recovered.requeuedJobs) jobs and enqueued \(recovered.newJobs) new jobs for "
                          + "\(recovered.newImageSets) image sets without results")
                } else if result.cancelled {
                    print("campaign \(name) was cancelled; `viroscope-coordinator retry --campaign \(name)` runs what is missing")
                }
            }
        }
    }

    private func makePlan(root: URL, images: URL) throws -> CampaignPlan {
        let source: ImageSource
        switch scheme.lowercased() {
        case "imagexpress": source = .imageXpress
        case "opera": source = .opera
        case "manifest": source = .manifest(URL(fileURLWithPath: manifest ?? ""))
        default: source = .auto
        }
        let mapURL = URL(fileURLWithPath: plateMap)
        let scan = try ImageDirectoryScanner.scan(root: images, scheme: source)
        let format: PlateFormat
        if let given = Int(plateFormat).flatMap(PlateFormat.init(rawValue:)) {
            format = given
        } else {
            format = try inferFormat(files: scan.files, mapURL: mapURL)
        }
        let maps = try PlateMapSet.load(mapURL, format: format)
        let opera = scan.schemeName.lowercased().contains("opera")
        let nuclear = nuclearChannel ?? (opera ? "ch1" : "w1")
        var reporter: String? = reporterChannel ?? (opera ? "ch2" : "w2")
        if noReporter { reporter = nil }
        if reporterChannel == nil, let candidate = reporter, !scan.files.contains(where: { $0.channel == candidate }) {
            reporter = nil
        }
        return try CampaignPlan.prepare(name: name, imageRoot: root, images: images, scan: scan, plateMaps: maps, format: format,
                                        channels: ChannelRoles(nuclear: nuclear, reporter: reporter))
    }

    /// The smallest plate that holds every well of the plate map (of the images when the map lists none).
    /// The map defines the plate: an image of well I01 or A13 next to a 96-well map is an error to fix (or a
    /// reason to give --plate-format), not a silent switch to a 384-well plate with a warning.
    private func inferFormat(files: [ImageFile], mapURL: URL) throws -> PlateFormat {
        var wells: [WellPosition] = []
        switch try PlateMapSet.load(mapURL, format: .wells1536) {
        case let .single(map): wells = map.wells
        case let .perPlate(maps): wells = maps.values.flatMap(\.wells)
        }
        if wells.isEmpty { wells = files.map(\.well) }
        return PlateFormat.allCases.first { format in wells.allSatisfy(format.contains) } ?? .wells1536
    }

    func loadModelFromDisk() throws -> Model? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory), isDirectory.boolValue {
            return try Model.load(directory: URL(fileURLWithPath: model))
        }
        if !model.contains("/"), let shipped = ModelStore.shippedModelDirectory(named: model) {
            return try Model.load(directory: shipped)
        }
        return nil
    }

    private func modelName(_ model: Model) -> String {
        URL(fileURLWithPath: self.model).lastPathComponent
    }

    func note(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }

    func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("viroscope-coordinator submit: \(message)\n".utf8))
        Foundation.exit(1)
    }
}
