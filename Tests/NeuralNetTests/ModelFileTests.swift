import Foundation
import Testing
@testable import NeuralNet

@Suite struct ModelFileTests {
    func smallArchitecture() -> Architecture {
        Architecture(
            input: InputSpec(channels: 1, height: 12, width: 12, normalisation: "percentile-1-99"),
            layers: [.conv2d(name: "conv1", filters: 4, kernel: 3, padding: 1, bias: false), .batchNorm(name: "bn1"), .relu,
                     .maxPool(kernel: 2), .conv2d(name: "conv2", filters: 6, kernel: 3), .relu, .globalAvgPool,
                     .dense(name: "fc", units: 2), .softmax],
            classNames: ["uninfected", "infected"],
            provenance: Provenance(createdAt: "2026-01-01T00:00:00Z", software: "viroscope test", seed: 1, epochs: 3,
                                   metrics: ["val_accuracy": 0.9]))
    }

    @Test func safetensorsRoundTrip() throws {
        let tensors = ["a.weight": randomTensor([2, 3], seed: 1), "b": randomTensor([4], seed: 2)]
        let bytes = SafeTensors.encode(tensors, metadata: ["format": "pt"])
        let (decoded, metadata) = try SafeTensors.decode(bytes, source: "x")
        #expect(decoded == tensors)
        #expect(metadata == ["format": "pt"])
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
        #expect(bytes.count == 8 + headerLength + 10 * 4)
    }

    @Test func saveLoadGivesBitIdenticalOutputsAndHash() throws {
        let arch = smallArchitecture()
        let model = try Model(architecture: arch, weights: try randomModelWeights(arch, seed: 3))
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try model.save(to: dir)
        let loaded = try Model.load(directory: dir)
        #expect(loaded.sha256 == model.sha256)
        #expect(loaded.architecture == arch)
        #expect(loaded.weights == model.weights)
        let batch = randomTensor([5, 1, 12, 12], seed: 4)
        let a = try InferenceSession(model: model).probabilities(batch)
        let b = try InferenceSession(model: loaded).probabilities(batch)
        #expect(a.values.map(\.bitPattern) == b.values.map(\.bitPattern))

        let fromBytes = try Model(architectureJSON: Data(model.architectureJSON), weights: Data(model.weightsBytes))
        #expect(fromBytes.sha256 == model.sha256)
        #expect(model.sha256.count == 64)
        #expect(model.sha256 == Model.hash(architectureJSON: model.architectureJSON, weights: model.weightsBytes))
        // Changing one weight changes the identity.
        var changed = model.weights
        changed["fc.bias"]!.values[0] += 1
        #expect(try Model(architecture: arch, weights: changed).sha256 != model.sha256)
    }

    @Test func corruptWeightsAreNamed() throws {
        let arch = smallArchitecture()
        let model = try Model(architecture: arch, weights: try randomModelWeights(arch, seed: 5))
        let json = model.architectureJSON, good = model.weightsBytes

        func reason(_ weights: [UInt8]) -> String? {
            do { _ = try Model(architectureJSON: json, weights: weights, source: "/models/m1"); return nil } catch let e as ModelError {
                guard case .corruptWeights(let source, _) = e else { return "wrong case: \(e)" }
                #expect(source == "/models/m1/weights.safetensors")
                return e.description
            } catch { return "unexpected \(error)" }
        }
        let truncated = reason(Array(good.prefix(good.count - 7)))
        #expect(truncated?.contains("data_offsets") == true)
        #expect(reason(Array(good.prefix(5)))?.contains("shorter than") == true)
        var badLength = good
        badLength[6] = 0xFF
        #expect(reason(badLength)?.contains("runs past the end") == true)
        var badJSON = good
        badJSON[8] = UInt8(ascii: "[")
        #expect(reason(badJSON)?.contains("JSON") == true)
        let f16 = SafeTensors.encode(model.weights).replacing(Array("\"F32\"".utf8), with: Array("\"F16\"".utf8), maxReplacements: 1)
        #expect(reason(f16)?.contains("only F32") == true)
    }

    @Test func mismatchedTensorsAreNamed() throws {
        let arch = smallArchitecture()
        let weights = try randomModelWeights(arch, seed: 6)
        var missing = weights
        missing["bn1.running_var"] = nil
        #expect(throws: ModelError.missingTensor(source: "in-memory model/weights.safetensors", name: "bn1.running_var", shape: [4])) {
            try Model(architecture: arch, weights: missing)
        }
        var wrongShape = weights
        wrongShape["conv2.weight"] = Tensor(zeros: [6, 4, 3, 1])
        #expect(throws: ModelError.shapeMismatch(source: "in-memory model/weights.safetensors", name: "conv2.weight",
                                                 expected: [6, 4, 3, 3], found: [6, 4, 3, 1])) {
            try Model(architecture: arch, weights: wrongShape)
        }
        var extra = weights
        extra["fc.scale"] = Tensor(zeros: [1])
        #expect(throws: ModelError.unexpectedTensor(source: "in-memory model/weights.safetensors", name: "fc.scale")) {
            try Model(architecture: arch, weights: extra)
        }
        var wrongClasses = arch
        wrongClasses.classNames = ["a", "b", "c"]
        #expect(throws: ModelError.self) { try Model(architecture: wrongClasses, weights: weights) }
    }

    /// A PyTorch state dict saved with safetensors carries an I64 `num_batches_tracked` per batch norm.
    @Test func pytorchBatchNormCounterIsSkipped() throws {
        let arch = smallArchitecture()
        let weights = try randomModelWeights(arch, seed: 8)
        let plain = SafeTensors.encode(weights)
        let headerLength = plain[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let dataLength = plain.count - 8 - headerLength
        var header = String(decoding: plain[8..<(8 + headerLength)], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        header.removeLast()
        header += ",\"bn1.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[\(dataLength),\(dataLength + 8)]}}"
        let h = Array(header.utf8)
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: h.count >> (8 * $0)) } + h
        bytes += plain[(8 + headerLength)...]
        bytes += [UInt8](repeating: 0, count: 8)
        let model = try Model(architectureJSON: try arch.jsonBytes(), weights: bytes)
        #expect(model.weights == weights)
    }

    @Test func badArchitectureFilesAreNamed() throws {
        let arch = smallArchitecture()
        let model = try Model(architecture: arch, weights: try randomModelWeights(arch, seed: 7))
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try model.save(to: dir)
        let archURL = dir.appendingPathComponent("architecture.json")
        try Data("{\"format_version\": 1, \"layers\": []".utf8).write(to: archURL)
        do { _ = try Model.load(directory: dir); Issue.record("loaded a truncated architecture") } catch let e as ModelError {
            #expect(e.description.contains(archURL.path))
            #expect(e.description.contains("invalid architecture"))
        }
        var future = arch
        future.formatVersion = 99
        try Data(try future.jsonBytes()).write(to: archURL)
        do { _ = try Model.load(directory: dir); Issue.record("loaded format 99") } catch let e as ModelError {
            #expect(e.description.contains("format_version 99"))
        }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("weights.safetensors"))
        do { _ = try Model.load(directory: dir); Issue.record("loaded without weights") } catch let e as ModelError {
            guard case .unreadable(let path, _) = e else { Issue.record("wrong error \(e)"); return }
            #expect(path.hasSuffix("weights.safetensors"))
        }
    }

    @Test func architectureJSONUsesDocumentedKeys() throws {
        let text = String(decoding: try smallArchitecture().jsonBytes(), as: UTF8.self)
        for key in ["\"format_version\"", "\"class_names\"", "\"created_at\"", "\"normalisation\"", "\"batch_norm\"", "\"max_pool\""] {
            #expect(text.contains(key), "\(key)")
        }
    }
}
