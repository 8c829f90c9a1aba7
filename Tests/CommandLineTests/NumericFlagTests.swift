import Foundation
import Testing
import TestSupport

/// Every numeric flag is checked where it is parsed: NaN, infinities, absurd sizes and negative ages are a usage
/// error naming the flag (exit 2), never a trap, a silent wrong answer or a raw database error later (issue 13
/// items 1 and 2). None of these needs a database: validation happens before anything connects.
@Suite struct NumericFlagTests {
    /// Runs an executable with no database configured, so a check that is missing fails fast instead of hanging.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try ChildProcess.run(try BuiltExecutable.path(executable), arguments,
                             environment: ["VIROSCOPE_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"],
                             timeout: .seconds(60))
    }

    static func expectUsageError(_ executable: String, _ arguments: [String], naming flag: String,
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try run(executable, arguments)
        #expect(result.status == 2, "\(executable) \(arguments): exit \(result.status), \(result.stderr)",
                sourceLocation: sourceLocation)
        #expect(result.stderr.contains(flag), "\(executable) \(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(!result.stderr.contains("Fatal error"), "\(result.stderr)", sourceLocation: sourceLocation)
    }

    @Test func cleanRefusesNonFiniteHugeAndNegativeAges() throws {
        for value in ["nan", "inf", "-inf", "1e300", "-1", "-0.5"] {
            try Self.expectUsageError("viroscope-coordinator", ["clean", "--older-than", value], naming: "--older-than")
        }
    }

    @Test func statusRefusesBadLiveWindows() throws {
        for value in ["nan", "inf", "1e300", "-5", "0"] {
            try Self.expectUsageError("viroscope-coordinator", ["status", "--live-within", value], naming: "--live-within")
        }
    }

    @Test func workerDurationsNeverTrap() throws {
        for (flag, value) in [("--lease", "1e300s"), ("--lease", "infs"), ("--lease", "nan"), ("--lease", "-1s"),
                              ("--lease", "10ms"), ("--poll-interval", "1e300s"), ("--poll-interval", "nanms"),
                              ("--shutdown-grace", "1e20h"), ("--retry-base", "infm"), ("--retry-cap", "1e300"),
                              ("--metrics-sample-interval", "1e300s")] {
            try Self.expectUsageError("viroscope-worker", ["run", flag, value], naming: flag)
        }
        for (flag, value) in [("--concurrency", "0"), ("--concurrency", "100000"), ("--batch", "0"),
                              ("--batch", "99999999"), ("--max-pixels", "0")] {
            try Self.expectUsageError("viroscope-worker", ["run", flag, value], naming: flag)
        }
        try Self.expectUsageError("viroscope-worker", ["bench-queue", "--jobs", "0"], naming: "--jobs")
    }

    @Test func submitChecksEveryNumberBeforeTouchingFilesEvenInADryRun() throws {
        let base = ["submit", "--name", "c", "--images", "/nonexistent", "--plate-map", "/nonexistent.csv", "--dry-run"]
        let cases: [([String], String)] = [
            (["--infection-threshold", "2"], "--infection-threshold"),
            (["--infection-threshold", "-1"], "--infection-threshold"),
            (["--infection-threshold", "nan"], "--infection-threshold"),
            (["--infection-threshold", "0"], "--infection-threshold"),
            (["--reporter-threshold", "nan"], "--reporter-threshold"),
            (["--reporter-threshold", "inf"], "--reporter-threshold"),
            (["--min-area", "-1"], "--min-area"),
            (["--min-area", "500", "--max-area", "10"], "--min-area"),
            (["--max-area", "10"], "--max-area"),
            (["--max-attempts", "0"], "--max-attempts"),
            (["--max-attempts", "2147483648"], "--max-attempts"),
            (["--batch-size", "0"], "--batch-size"),
            (["--batch-size", "1000000000"], "--batch-size"),
        ]
        for (extra, flag) in cases {
            try Self.expectUsageError("viroscope-coordinator", base + extra, naming: flag)
        }
    }

    @Test func campaignNamesMustBeOneLineOfPrintableText() throws {
        let base = ["submit", "--images", "/nonexistent", "--plate-map", "/nonexistent.csv", "--dry-run", "--name"]
        for name in ["", "   ", "a\nb", "ok\u{1B}[31mred", "tab\there", "\u{202E}evil", " padded", String(repeating: "n", count: 201)] {
            let result = try Self.run("viroscope-coordinator", base + [name])
            #expect(result.status == 2, "\(name.debugDescription): \(result.stderr)")
            #expect(result.stderr.contains("--name"), "\(result.stderr)")
            #expect(!result.stderr.contains("\u{1B}[31m") && !result.stderr.contains("\u{202E}"), "\(result.stderr)")
        }
    }

    @Test func everyExecutableExitsTwoOnUsageErrors() throws {
        let cases: [(String, [String])] = [
            ("viroscope-report", []),
            ("viroscope-report", ["--campaign", "x", "--format", "nope"]),
            ("viroscope-report", ["--no-such-flag"]),
            ("viroscope", ["inspect"]),
            ("viroscope", ["inspect", "x.tif", "--page", "-1"]),
            ("viroscope", ["inspect", "x.tif", "--max-pixels", "0"]),
            ("viroscope", ["segment", "x.tif", "--min-area", "500", "--max-area", "10"]),
            ("viroscope", ["no-such-command"]),
            ("viroscope", ["segment", "x.tif", "--page", "-1"]),
            ("viroscope", ["segment", "x.tif", "--threshold", "manual", "--manual-threshold", "nan"]),
            ("viroscope", ["predict", "--model", "m", "x.tif", "--threshold", "2"]),
            ("viroscope", ["predict", "--model", "m", "x.tif", "--threshold", "nan"]),
            ("viroscope", ["evaluate", "--model", "m", "--data", "d", "--threshold", "-1"]),
            ("viroscope", ["bench-nn", "--batch", "1000000000000"]),
            ("viroscope", ["bench-nn", "--threads", "0"]),
            ("viroscope-coordinator", ["no-such-command"]),
            ("viroscope-worker", ["run", "--no-such-flag"]),
        ]
        for (executable, arguments) in cases {
            let result = try Self.run(executable, arguments)
            #expect(result.status == 2, "\(executable) \(arguments): exit \(result.status), \(result.stderr)")
        }
        // --help is not an error, and a runtime error is 1.
        #expect(try Self.run("viroscope-report", ["--help"]).status == 0)
        #expect(try Self.run("viroscope", ["inspect", "/nonexistent.tif"]).status == 1)
    }

    @Test func csvLevelAllWithoutAnOutputDirectoryIsAUsageError() throws {
        let result = try Self.run("viroscope-report", ["--campaign", "x", "--format", "csv", "--level", "all"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("--out"), "\(result.stderr)")
    }
}
