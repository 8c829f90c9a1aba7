import Foundation
import Testing
import TestSupport

/// Replays every committed fuzzing seed and regression input through the harness built in replay mode
/// (issue 13 item 9): inputs that once crashed a parser (the safetensors shape overflow) must keep being
/// errors, and this also proves the harness builds.
@Suite struct FuzzCorpusTests {
    @Test(arguments: ["tiff", "platemap", "manifest", "safetensors", "model", "http"])
    func everyCommittedInputReplaysWithoutACrash(target: String) throws {
        let corpus = RepositoryPaths.root.appendingPathComponent("ops/fuzz-corpus/\(target)").path
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus)
        #expect(!files.isEmpty, "no seeds for \(target)")
        let result = try ChildProcess.run(try BuiltExecutable.path("viroscope-fuzz"), [target, corpus],
                                          timeout: .seconds(120))
        #expect(result.status == 0, "\(target): exit \(result.status)\n\(result.stderr.suffix(2000))")
        #expect(result.stdout.contains("\(files.count) input(s) replayed"), "\(result.stdout)")
    }
}
