import ArgumentParser
import Campaigns
import CommandLineSupport
import Foundation
import Logging
import Postgres
import Reporting
import ScreenStatistics

/// Infection-rate reports of a campaign: per well, condition, plate and campaign, with Z' QC and dose-response
/// fits, as a terminal table, CSV, JSON or one self-contained HTML file.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "viroscope-report",
        abstract: "Infection-rate report of a screening campaign (works on a running campaign too).",
        discussion: """
            Levels: well (nuclei, infected, rate with a Wilson 95% interval, reporter-positive rate), condition \
            (replicate mean and SD, percent of positive control), plate (Z'-factor, robust Z', SSMD), dose \
            response (4-parameter logistic: IC50 with 95% CI, Hill slope, R²; CC50 from viability and the \
            selectivity index CC50/IC50), hit list, campaign summary.
            Screens: every well gets percent of control, normalised percent inhibition (NPI), robust z and B-score \
            of its infection rate, and viability (nuclei per site relative to the plate's viability_reference wells, \
            else its negative controls). A \
            compound (replicate wells of one treatment and concentration, on any plate) is a hit when its combined \
            score <= --score-threshold (robust z or B-score only) or its inhibition >= --inhibition-threshold, AND \
            its viability >= --viability-threshold. Plates with Z' < 0 are marked failed and left out of hit \
            calling and curve fits.
            Exit codes: 0 report written, 1 database or campaign error, 2 usage error.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json, html }
    enum Level: String, ExpressibleByArgument, CaseIterable { case well, condition, plate, dose, hits, campaign, all }

    @Option(help: "PostgreSQL URL; default $VIROSCOPE_DATABASE_URL, then libpq's PG* variables and ~/.pgpass.")
    var databaseURL: String?

    @Option(help: "Campaign name.")
    var campaign: String?

    @Flag(help: "Print the JSON Schema of --format json output and exit.")
    var printSchema = false

    @Option(help: "Output format: table, csv, json or html.")
    var format: Format = .table

    @Option(help: "For table and csv: well, condition, plate, dose, hits, campaign, or all. (json and html always hold every level.)")
    var level: Level = .all

    @Option(help: "Write to this file instead of standard output (for csv with --level all: a directory, one file per level).")
    var out: String?

    @Option(help: "Per-well score: poc (percent of control), npi (percent inhibition), robust-z or b-score (median polish of rows and columns, for plates with row, column or edge effects).")
    var normalisation: ScreenNormalisation = .robustZ

    @Option(help: "Hit rule: combined robust z or B-score at or below this (used with --normalisation robust-z or b-score).")
    var scoreThreshold: Double = -3

    @Option(help: "Hit rule: combined percent inhibition (NPI) at or above this, %.")
    var inhibitionThreshold: Double = 50

    @Option(help: "Wells and compounds with viability below this (%) are cytotoxic and never hits.")
    var viabilityThreshold: Double = 70

    @Option(help: "How replicate wells of a compound combine: mean or median.")
    var replicates: ReplicateCombination = .mean

    @Flag(help: "Weight dose-response (IC50) fits by the inverse variance of each concentration's replicates.")
    var weightedFit = false

    func validate() throws {
        guard scoreThreshold.isFinite, scoreThreshold < 0 else {
            throw ValidationError("--score-threshold must be a negative number (hits lower infection), not \(scoreThreshold)")
        }
        guard inhibitionThreshold.isFinite, inhibitionThreshold > 0, inhibitionThreshold <= 100 else {
            throw ValidationError("--inhibition-threshold must be a percentage in (0, 100], not \(inhibitionThreshold)")
        }
        guard viabilityThreshold.isFinite, viabilityThreshold >= 0, viabilityThreshold <= 100 else {
            throw ValidationError("--viability-threshold must be a percentage in [0, 100], not \(viabilityThreshold)")
        }
        if !printSchema, campaign == nil { throw ValidationError("give --campaign NAME (or --print-schema)") }
        if format == .csv, level == .all, out == nil {
            throw ValidationError("--format csv --level all writes one file per level: give --out DIRECTORY")
        }
    }

    func run() throws {
        if printSchema {
            print(ReportJSONSchema.schema)
            return
        }
        guard let campaign else { return }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let url = databaseURL.flatMap { $0.isEmpty ? nil : $0 }
            ?? ProcessInfo.processInfo.environment["VIROSCOPE_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        var report: CampaignReport
        do {
            let connection = try Connection.connect(url: url)
            let (info, wells) = try ReportData.load(campaign: campaign, on: connection)
            let rule = HitRule(scoreThreshold: scoreThreshold, inhibitionThreshold: inhibitionThreshold,
                               viabilityThreshold: viabilityThreshold, combination: replicates)
            report = ReportBuilder.build(campaign: info, wells: wells,
                                         options: ReportOptions(normalisation: normalisation, hitRule: rule, weightedFit: weightedFit))
            let check = try ModelCheckData.load(campaign: campaign, wells: wells, on: connection)
            report.modelCheck = check
            report.alerts = check.alerts
        } catch {
            fail("\(error)")
        }
        if !report.summary.complete {
            FileHandle.standardError.write(Data(("note: campaign \(CampaignName.printable(campaign)) is still running: "
                + "\(report.summary.imageSetsDone) of \(report.summary.imageSets) image sets analysed; "
                + "the report covers what is done\n").utf8))
        }
        do {
            try emit(report)
        } catch {
            fail("\(error)")
        }
    }

    private func emit(_ report: CampaignReport) throws {
        switch format {
        case .json: try write(String(decoding: try JSONRenderer.render(report), as: UTF8.self))
        case .html: try write(HTMLRenderer.render(report))
        case .table:
            switch level {
            case .all: try write(TableRenderer.render(report, includeWells: true))
            case .campaign: try write(TableRenderer.render(report, includeWells: false))
            case .well: try write(TableRenderer.render(report.wells, ReportColumns.wells))
            case .condition: try write(TableRenderer.render(report.conditions, ReportColumns.conditions))
            case .plate: try write(TableRenderer.render(report.plates, ReportColumns.plates))
            case .dose: try write(TableRenderer.render(report.doseResponses, ReportColumns.doseResponses))
            case .hits: try write(TableRenderer.render(report.hits, ReportColumns.hits))
            }
        case .csv:
            let files = CSVRenderer.render(report)
            let name: String
            switch level {
            case .well: name = "wells.csv"
            case .condition: name = "conditions.csv"
            case .plate: name = "plates.csv"
            case .dose: name = "dose-response.csv"
            case .hits: name = "hits.csv"
            case .campaign: name = "summary.csv"
            case .all:
                guard let out else {
                    throw ValidationError("--format csv --level all writes one file per level: give --out DIRECTORY")
                }
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                for (file, text) in files {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: out).appendingPathComponent(file))
                }
                FileHandle.standardError.write(Data("wrote \(files.count) CSV files to \(out)\n".utf8))
                return
            }
            try write(files[name] ?? "")
        }
    }

    private func write(_ text: String) throws {
        if let out {
            try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            FileHandle.standardError.write(Data("wrote \(out)\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("viroscope-report: \(message)\n".utf8))
        Foundation.exit(1)
    }
}

extension ScreenNormalisation: ExpressibleByArgument {}
extension ReplicateCombination: ExpressibleByArgument {}

// Usage errors exit 2 (ArgumentParser alone would exit 64), runtime errors 1.
UsageExit.main(ReportCommand.self)
