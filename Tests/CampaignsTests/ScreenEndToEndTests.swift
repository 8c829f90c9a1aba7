import Foundation
import Testing
import Reporting
import Synthetic
import TestSupport

/// A small primary screen through the real executables: synth → submit (plate map with a plate column) →
/// workers → `viroscope-report --normalisation b-score`, whose real JSON must validate against `--print-schema`.
@Suite(.serialized) struct ScreenEndToEndTests {
    @Test(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
    func screenReportFromTheDatabaseValidatesAgainstThePrintedSchema() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("viroscope-screen-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let screen = try PrimaryScreen(settings: ScreenSettings(compounds: 64, replicates: 2, antiviralFraction: 0.1,
                                                                cytotoxicFraction: 0.1, edgeInfection: 0.1, edgeCellLoss: 0.1),
                                       imageSize: 192, nucleiPerImage: 30, seed: 3)
        try screen.generate(into: directory.path)
        // Column 2 becomes the viability reference (migration 0007's control class), column 1 stays negative.
        let mapPath = directory.path + "/plate-map.csv"
        let lines = try String(contentsOfFile: mapPath, encoding: .utf8).split(separator: "\n").map { line in
            line.contains(",negative") && line.split(separator: ",")[1].hasSuffix("02")
                ? line.replacingOccurrences(of: ",negative", with: ",viability_reference") : String(line)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: mapPath, atomically: true, encoding: .utf8)
        let database = try TestDatabase.create()
        defer { database.drop() }
        let environment = ["VIROSCOPE_DATABASE_URL": database.url]
        let submitted = try ChildProcess.run(try BuiltExecutable.path("viroscope-coordinator"), [
            "submit", "--name", "screen", "--images", directory.path, "--plate-map", directory.path + "/plate-map.csv",
            "--plate-format", "384", "--model", RepositoryPaths.root.appendingPathComponent("models/default").path,
        ], environment: environment, timeout: .seconds(120))
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(submitted.stdout.contains("2 plate(s)") && submitted.stdout.contains("256 image sets"), "\(submitted.stdout)")
        let drained = try ChildProcess.run(try BuiltExecutable.path("viroscope-worker"),
                                           ["run", "--concurrency", "2", "--exit-when-idle", "--poll-interval", "200ms"],
                                           environment: environment, timeout: .seconds(300))
        #expect(drained.status == 0, "\(drained.stderr)")

        let reportPath = try BuiltExecutable.path("viroscope-report")
        let json = try ChildProcess.run(reportPath, ["--campaign", "screen", "--normalisation", "b-score", "--format", "json"],
                                        environment: environment)
        #expect(json.status == 0, "\(json.stderr)")
        let report = try JSONRenderer.decode(Data(json.stdout.utf8))
        #expect(report.screen.normalisation == "b-score")
        #expect(report.screen.compounds == 64, "Z' \(report.plates.map(\.zPrime)), notes \(report.notes)")
        #expect(report.plates.count == 2)
        #expect(report.screen.viabilityReference.contains("viability_reference"))
        #expect(report.wells.filter { $0.control == .viabilityReference }.count == 32)
        // Every sample well has a viability and a B-score; the toxic compounds' wells are flagged.
        let samples = report.wells.filter { $0.control == nil }
        #expect(samples.count == 128 && samples.allSatisfy { $0.viability != nil && $0.bScore != nil })
        let toxic = Set(screen.library.filter { $0.kind == .cytotoxic }.map(\.name))
        #expect(Set(report.hits.map(\.compound)).isDisjoint(with: toxic))

        let printed = try ChildProcess.run(reportPath, ["--print-schema"], environment: [:])
        #expect(printed.status == 0 && printed.stdout == ReportJSONSchema.schema + "\n")
        if let python = SchemaValidator.python() {
            let result = try SchemaValidator.validate(Data(json.stdout.utf8), schema: Data(printed.stdout.utf8), python: python)
            #expect(result.status == 0, "\(result.output)")
        } else {
            print("skipped schema validation: python3 with jsonschema not found")
        }
    }

    /// Bad screen flags are usage errors: one line, exit 2, before any database is touched.
    @Test(arguments: [
        (["--viability-threshold", "150"], "--viability-threshold must be a percentage in [0, 100]"),
        (["--score-threshold", "3"], "--score-threshold must be a negative number"),
        (["--inhibition-threshold", "nan"], "--inhibition-threshold must be a percentage in (0, 100]"),
        (["--normalisation", "zscore"], "normalisation"),
        (["--replicates", "mode"], "replicates"),
    ])
    func badScreenFlagsAreUsageErrors(arguments: [String], message: String) throws {
        let result = try ChildProcess.run(try BuiltExecutable.path("viroscope-report"), ["--campaign", "x"] + arguments,
                                          environment: ["VIROSCOPE_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}

/// Runs python jsonschema (Draft 2020-12, with format checks) when python3 and jsonschema are installed.
enum SchemaValidator {
    static func python() -> String? {
        for candidate in ["/usr/bin/python3", "/usr/local/bin/python3"] where FileManager.default.isExecutableFile(atPath: candidate) {
            if let result = try? ChildProcess.run(candidate, ["-c", "import jsonschema"]), result.status == 0 { return candidate }
        }
        return nil
    }

    static func validate(_ document: Data, schema: Data, python: String) throws -> (status: Int32, output: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("viroscope-schema-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try schema.write(to: directory.appendingPathComponent("schema.json"))
        try document.write(to: directory.appendingPathComponent("report.json"))
        let result = try ChildProcess.run(python, ["-c", """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
            jsonschema.Draft202012Validator.check_schema(schema)
            jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)
            """, directory.appendingPathComponent("schema.json").path, directory.appendingPathComponent("report.json").path])
        return (result.status, result.stdout + result.stderr)
    }
}
