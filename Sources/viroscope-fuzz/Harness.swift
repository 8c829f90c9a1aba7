import Foundation

/// The fuzzing harness. Built by `ops/fuzz` with `-sanitize=fuzzer -D VIROSCOPE_LIBFUZZER`, libFuzzer owns
/// `main` and calls `LLVMFuzzerTestOneInput`; the target is chosen by `VIROSCOPE_FUZZ_TARGET`.
///
/// Built normally (as `swift build` and the tests do), it replays inputs instead:
/// `viroscope-fuzz TARGET FILE...` runs each file through the target once, which is how crashes found by the
/// fuzzer become regression tests and how the seed corpora are checked.
nonisolated(unsafe) private var selectedTarget: (@Sendable ([UInt8]) -> Void)?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    if selectedTarget == nil {
        let name = ProcessInfo.processInfo.environment["VIROSCOPE_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTargets.all[name] else {
            FileHandle.standardError.write(Data("set VIROSCOPE_FUZZ_TARGET to one of \(FuzzTargets.all.keys.sorted().joined(separator: ", "))\n".utf8))
            exit(2)
        }
        selectedTarget = target
    }
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedTarget?(bytes)
    return 0
}

#if VIROSCOPE_LIBFUZZER
@_silgen_name("LLVMFuzzerRunDriver")
private func runLibFuzzer(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// SwiftPM links every executable with `main` aliased to `<module>_main`; in the fuzzing build that is this
/// function, which hands control to libFuzzer (ops/fuzz also links with --allow-multiple-definition, because
/// libFuzzer's own `main` comes along, and either one starts the same driver).
@_cdecl("viroscope_fuzz_main")
public func viroscopeFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var count = argc
    var arguments = argv
    return runLibFuzzer(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
#else
@main
struct Replay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let target = FuzzTargets.all[name], arguments.count >= 2 else {
            FileHandle.standardError.write(Data(("usage: viroscope-fuzz TARGET FILE... (replays inputs; TARGET: "
                + FuzzTargets.all.keys.sorted().joined(separator: ", ") + ")\n").utf8))
            exit(2)
        }
        var count = 0
        for path in arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("viroscope-fuzz: no such file '\(path)'\n".utf8))
                exit(1)
            }
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { "\(path)/\($0)" }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                target(Array(data))
                count += 1
            }
        }
        unlink(FuzzTargets.scratchFile)
        print("viroscope-fuzz \(name): \(count) input(s) replayed without a crash")
    }
}
#endif
