import ArgumentParser
import Foundation
import NeuralNet
import ONNX

/// `viroscope import-onnx`: bring a CNN trained in PyTorch or Keras in as a Viroscope model directory.
struct ImportONNXCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-onnx",
        abstract: "Convert an ONNX image classifier into a model directory (architecture.json + weights.safetensors).",
        discussion: """
            Supported operators: Conv, BatchNormalization, Relu, MaxPool, AveragePool, GlobalAveragePool, Flatten, \
            Gemm, MatMul (+ Add of a bias), Dropout, Softmax; float32 weights inside the file; N×C×H×W input with \
            fixed C, H, W. Any other operator, or a branching graph (residual Add), is refused with the node named. \
            The model's output is always class probabilities (a softmax is added when the graph ends in logits). \
            With --verify-input and --verify-output (raw little-endian float32 files: inputs N×C×H×W, and the \
            outputs your framework gave for them) the imported model is run on the inputs and must match.
            """)

    @Argument(help: "The ONNX file.")
    var file: String

    @Option(help: "Output model directory.")
    var out: String

    @Option(help: "Class names in output order, comma-separated.")
    var classes = "uninfected,infected"

    @Option(help: "How crops are normalised before the network (as in training): percentile-LOW-HIGH or none.")
    var normalisation = "percentile-1-99"

    @Option(help: "Raw float32 inputs to check the import on.")
    var verifyInput: String?

    @Option(help: "Raw float32 outputs of the original framework for --verify-input (logits or probabilities).")
    var verifyOutput: String?

    @Option(help: "Largest absolute difference allowed in the check (on probabilities).")
    var tolerance: Float = 1e-4

    func validate() throws {
        let names = classes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard names.count >= 2, names.allSatisfy({ !$0.isEmpty }), Set(names).count == names.count else {
            throw ValidationError("--classes needs at least two distinct, non-empty names")
        }
        guard (verifyInput == nil) == (verifyOutput == nil) else {
            throw ValidationError("give --verify-input and --verify-output together")
        }
        guard tolerance.isFinite, tolerance > 0 else { throw ValidationError("--tolerance must be positive") }
    }

    func run() throws {
        let names = classes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let result = try ONNXImporter.load(path: file, classNames: names, normalisation: normalisation)
        let model = try Model(architecture: result.architecture, weights: result.weights)
        for line in result.mapping { stderrLine("  " + line) }
        if let verifyInput, let verifyOutput {
            let difference = try verify(model, input: verifyInput, output: verifyOutput, logits: !result.endsWithSoftmax)
            guard difference <= tolerance else {
                throw ONNXError(source: file, reason: String(format: "imported model differs from the reference outputs by %.3g (tolerance %.3g); nothing written",
                                                             difference, tolerance))
            }
            print(String(format: "verified: max abs difference %.3g ≤ %.3g", difference, tolerance))
        }
        try model.save(to: URL(fileURLWithPath: out))
        print("model \(model.sha256) (\(result.architecture.layers.count) layers, input "
              + "\(model.inputShape.map(String.init).joined(separator: "×"))) saved to \(out)")
    }

    /// Runs the model on the raw inputs and returns the largest absolute difference from the reference.
    private func verify(_ model: Model, input: String, output: String, logits: Bool) throws -> Float {
        let x = try readFloats(input), y = try readFloats(output)
        let sample = model.inputShape.reduce(1, *), classes = model.classNames.count
        guard x.count % sample == 0, x.count > 0 else {
            throw ONNXError(source: input, reason: "\(x.count) values are not whole samples of \(model.inputShape)")
        }
        let count = x.count / sample
        guard y.count == count * classes else {
            throw ONNXError(source: output, reason: "\(y.count) values for \(count) samples of \(classes) classes")
        }
        var reference = y
        if logits {
            for row in 0..<count {
                let slice = reference[(row * classes)..<((row + 1) * classes)]
                let top = slice.max() ?? 0
                let exps = slice.map { exp($0 - top) }
                let sum = exps.reduce(0, +)
                for (j, e) in exps.enumerated() { reference[row * classes + j] = e / sum }
            }
        }
        let ours = try InferenceSession(model: model).probabilities(crops: x, count: count)
        return zip(ours.values, reference).map { abs($0 - $1) }.max() ?? 0
    }

    private func readFloats(_ path: String) throws -> [Float] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ONNXError(source: path, reason: "cannot read: \(error.localizedDescription)")
        }
        guard data.count % 4 == 0 else { throw ONNXError(source: path, reason: "\(data.count) bytes are not float32 values") }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }
}

/// `viroscope export-onnx`: write a model directory as an ONNX file.
struct ExportONNXCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-onnx",
        abstract: "Write a model directory as an ONNX file (opset 17; input 'input' N×C×H×W, output 'probabilities').")

    @Option(help: "Model directory.")
    var model: String

    @Option(help: "Output .onnx file.")
    var out: String

    func run() throws {
        let loaded = try Model.load(directory: URL(fileURLWithPath: model))
        try ONNXExporter.write(loaded, to: out)
        print("wrote \(out): model \(loaded.sha256.prefix(12)), classes \(loaded.classNames.joined(separator: ", ")), "
              + "input normalisation \(loaded.architecture.input.normalisation) (apply it before the network)")
    }
}
