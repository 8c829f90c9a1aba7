import ArgumentParser
import CommandLineSupport
import Foundation
import NeuralNet

/// Times the default classifier on random crops and sets the figure against the sgemm ceiling of the same run.
/// With `--dump` it also writes the model, the inputs and our outputs, so `ops/bench-nn` can run the same model
/// in ONNX Runtime, check the outputs agree and compare speed.
struct BenchNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-nn",
        abstract: "Benchmark CNN inference (default nucleus classifier) against the OpenBLAS sgemm ceiling.")

    @Option(help: "Crops per batch.")
    var batch: Int = 256

    @Option(help: "Timed batches (after one warm-up batch); the best batch time is reported as well as the mean.")
    var iterations: Int = 10

    @Option(help: "Inference threads: the batch is split over this many sessions; sgemm itself stays single-threaded.")
    var threads: Int = 1

    @Option(help: "Crop side in pixels (the default classifier's input is size×size, one channel).")
    var inputSize: Int = 64

    @Option(help: "Conv blocks of the default classifier (4, as the shipped models/default; 3 for the smaller network).")
    var stages: Int = 4

    @Option(help: "Seed for the random weights and crops.")
    var seed: UInt64 = 1

    @Option(help: "Directory to write model/, inputs.f32, outputs.f32 and result.json into (for the ONNX Runtime comparison).")
    var dump: String?

    func validate() throws {
        guard (3...4).contains(stages) else { throw ValidationError("--stages must be 3 or 4") }
        try NumericFlag.check(batch, "--batch", in: 1...65_536, unit: "crops")
        try NumericFlag.check(iterations, "--iterations", in: 1...1_000_000)
        try NumericFlag.check(threads, "--threads", in: 1...256)
        try NumericFlag.check(inputSize, "--input-size", in: 16...1024, unit: "pixels")
    }

    func run() throws {
        let architecture = Architecture.defaultClassifier(inputSize: inputSize, stages: stages)
        let model = try benchModel(architecture)
        var generator = SeededGenerator(seed: seed &+ 1)
        let crops = (0..<(batch * inputSize * inputSize)).map { _ in generator.nextUnitFloat() }
        let input = try Tensor(shape: [batch, 1, inputSize, inputSize], values: crops)
        let session = InferenceSession(model: model, threads: threads)

        var output = try session.probabilities(input)
        var times: [Double] = []
        let cpuStart = processCPUSeconds()
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            output = try session.probabilities(input)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        // CPU time counts only while we run, so on a shared machine it shows the engine's cost without the time
        // other processes took the core away.
        let cpuPerBatch = (processCPUSeconds() - cpuStart) / Double(iterations)
        let flops = try architecture.flopsPerSample()
        let mean = times.reduce(0, +) / Double(times.count), best = times.min() ?? mean
        let cropsPerSecond = Double(batch) / mean, bestCropsPerSecond = Double(batch) / best

        let ceiling = BLASBenchmark.sgemmGFLOPs(m: 512, n: 512, k: 512, iterations: 8)
        let convShape = BLASBenchmark.sgemmGFLOPs(m: 32, n: 1024, k: 144, iterations: 200)

        let core = BLASThreads.core
        print("OpenBLAS kernels: \(core.name)" + (core.replaced.map { " (replacing misdetected \($0))" } ?? ""))
        print("viroscope bench-nn: default classifier \(inputSize)×\(inputSize), \(String(format: "%.1f", flops / 1e6)) MFLOP/crop, batch \(batch), \(iterations) batches, \(threads) thread(s)")
        func row(_ label: String, _ crops: Double?, _ gflops: Double) {
            let rate = crops.map { String(format: "%10.0f crops/s", $0) } ?? String(repeating: " ", count: 18)
            print("  " + label.padding(toLength: 40, withPad: " ", startingAt: 0) + rate + String(format: "  %7.2f GFLOP/s", gflops))
        }
        row("inference (mean)", cropsPerSecond, flops * cropsPerSecond / 1e9)
        row("inference (best batch)", bestCropsPerSecond, flops * bestCropsPerSecond / 1e9)
        row("inference per CPU-second", Double(batch) / cpuPerBatch, flops * Double(batch) / cpuPerBatch / 1e9)
        row("sgemm ceiling 512x512x512, 1 thread", nil, ceiling)
        row("sgemm conv2 shape 32x1024x144, 1 thread", nil, convShape)
        print(String(format: "  inference reaches %.0f%% of the 1-thread sgemm ceiling per thread", 100 * flops * cropsPerSecond / 1e9 / ceiling / Double(threads)))

        if let dump {
            let dir = URL(fileURLWithPath: dump)
            try model.save(to: dir.appendingPathComponent("model"))
            try rawBytes(crops).write(to: dir.appendingPathComponent("inputs.f32"))
            try rawBytes(output.values).write(to: dir.appendingPathComponent("outputs.f32"))
            let result: [String: Any] = [
                "batch": batch, "channels": 1, "height": inputSize, "width": inputSize, "classes": output.sampleSize,
                "iterations": iterations, "threads": threads, "crops_per_s": cropsPerSecond,
                "best_crops_per_s": bestCropsPerSecond, "crops_per_cpu_s": Double(batch) / cpuPerBatch, "gflops": flops * cropsPerSecond / 1e9,
                "flops_per_crop": flops, "sgemm_ceiling_gflops": ceiling, "model_sha256": model.sha256, "openblas_core": core.name,
            ]
            try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys, .prettyPrinted])
                .write(to: dir.appendingPathComponent("result.json"))
        }
    }

    /// Random weights with batch-norm statistics away from the identity, so the folded path does real work.
    private func benchModel(_ architecture: Architecture) throws -> Model {
        let initial = try Model.initialised(architecture: architecture, seed: seed)
        var generator = SeededGenerator(seed: seed &+ 7)
        var weights = initial.weights
        for name in weights.keys.sorted() where name.hasPrefix("bn") || name.hasSuffix(".bias") {
            let tensor = weights[name]!
            let values: [Float] = tensor.values.map { _ in
                name.hasSuffix("running_var") || name.hasSuffix(".weight") ? 0.5 + generator.nextUnitFloat()
                    : generator.nextUnitFloat() * 0.2 - 0.1
            }
            weights[name] = try Tensor(shape: tensor.shape, values: values)
        }
        return try Model(architecture: architecture, weights: weights)
    }

    private func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    private func rawBytes(_ values: [Float]) -> Data {
        var data = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }
}
