import Foundation
import Testing
import NeuralNet
@testable import ONNX

private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Deterministic pseudo-random crops in [0, 1).
private func crops(count: Int, size: Int) -> [Float] {
    var state: UInt64 = 12345
    return (0..<(count * size)).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(state >> 40) / Float(1 << 24)
    }
}

@Suite struct ONNXRoundTripTests {
    @Test func theShippedModelSurvivesExportAndImportWithTheSameOutputs() throws {
        let original = try Model.load(directory: repositoryRoot.appendingPathComponent("models/default"))
        let proto = try ONNXExporter.export(original)
        // Through bytes, as a file would be.
        let bytes: Data = try proto.serializedBytes()
        let decoded = try Onnx_ModelProto(serializedBytes: bytes)
        #expect(decoded.graph.output.map(\.name) == ["probabilities"])
        #expect(decoded.opsetImport.first?.version == ONNXExporter.opset)
        let imported = try ONNXImporter.convert(decoded, source: "round-trip.onnx", classNames: original.classNames,
                                                normalisation: original.architecture.input.normalisation)
        #expect(imported.endsWithSoftmax)
        let model = try Model(architecture: imported.architecture, weights: imported.weights)
        #expect(model.inputShape == original.inputShape)
        let count = 8, x = crops(count: count, size: original.inputShape.reduce(1, *))
        let a = try InferenceSession(model: original).probabilities(crops: x, count: count)
        let b = try InferenceSession(model: model).probabilities(crops: x, count: count)
        let difference = zip(a.values, b.values).map { abs($0 - $1) }.max() ?? 1
        #expect(difference < 1e-6, "outputs differ by \(difference)")
        // Conv, BN, pooling and dense layers map one to one; dropout is dropped at export (inference identity).
        #expect(model.architecture.layers.filter { $0.type != .dropout }.map(\.type)
                == original.architecture.layers.filter { $0.type != .dropout }.map(\.type))
    }

    @Test func anUnsupportedOperatorIsNamed() throws {
        var proto = try ONNXExporter.export(try Model.load(directory: repositoryRoot.appendingPathComponent("models/default")))
        proto.graph.node[2].opType = "LeakyRelu"
        #expect { try ONNXImporter.convert(proto, source: "m.onnx", classNames: ["a", "b"], normalisation: "none") }
            throws: { error in
                let text = "\(error)"
                return text.hasPrefix("m.onnx: node LeakyRelu") && text.contains("operator LeakyRelu is not supported")
            }
    }

    @Test func aBranchingGraphIsRefusedAsResidual() throws {
        var proto = try ONNXExporter.export(try Model.load(directory: repositoryRoot.appendingPathComponent("models/default")))
        // Make the second conv read the graph input instead of the previous layer: a branch.
        let secondConv = try #require(proto.graph.node.indices.filter { proto.graph.node[$0].opType == "Conv" }.dropFirst().first)
        proto.graph.node[secondConv].input[0] = "input"
        #expect { try ONNXImporter.convert(proto, source: "m.onnx", classNames: ["a", "b"], normalisation: "none") }
            throws: { error in "\(error)".contains("branching graphs (residual Add") }
    }

    @Test func garbageIsNotAnONNXModel() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-onnx-\(UUID().uuidString.prefix(6)).onnx")
        try Data([0xFF, 0xFF, 0xFF, 0x01, 0x02]).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        #expect { try ONNXImporter.load(path: path.path, classNames: ["a", "b"], normalisation: "none") }
            throws: { error in "\(error)".contains("not an ONNX model") }
    }
}
