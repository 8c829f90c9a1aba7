import Foundation
import NeuralNet
import SwiftProtobuf

/// Why an ONNX model could not be brought in or written out; every message names the node or tensor.
public struct ONNXError: Error, CustomStringConvertible, Equatable, Sendable {
    public let source: String
    public let reason: String

    public init(source: String, reason: String) {
        self.source = source
        self.reason = reason
    }

    public var description: String { "\(source): \(reason)" }
}

/// Turns an ONNX image classifier (as PyTorch's `torch.onnx.export` or Keras' tf2onnx write it) into a
/// Viroscope model: the same architecture and weights, so it runs on our inference path and is pinned by sha256.
///
/// Supported: a chain of Conv, BatchNormalization, Relu, MaxPool, AveragePool, GlobalAveragePool, Flatten,
/// Gemm or MatMul (+ Add of a bias), Dropout and Softmax, float32 weights as initializers, NCHW input. Our
/// networks are sequential, so a graph that branches (a residual `Add` of two activations, a concatenation) is
/// refused with the node named, as is any other operator.
public enum ONNXImporter {
    /// The ONNX operators the importer maps onto layers.
    public static let supportedOperators = ["Conv", "BatchNormalization", "Relu", "MaxPool", "AveragePool",
                                            "GlobalAveragePool", "Flatten", "Gemm", "MatMul", "Add", "Softmax",
                                            "Dropout", "Identity"]

    /// What was imported and how it maps.
    public struct Result {
        public var architecture: Architecture
        public var weights: [String: Tensor]
        /// True when the ONNX graph ended in Softmax (otherwise it returns logits, and ours adds the softmax).
        public var endsWithSoftmax: Bool
        /// One line per ONNX node: `Conv conv1 -> conv2d conv1`, for the person checking the mapping.
        public var mapping: [String]
    }

    public static func load(path: String, classNames: [String], normalisation: String) throws -> Result {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ONNXError(source: path, reason: "cannot read: \(error.localizedDescription)")
        }
        let model: Onnx_ModelProto
        do { model = try Onnx_ModelProto(serializedBytes: data) } catch {
            throw ONNXError(source: path, reason: "not an ONNX model (protobuf decoding failed: \(error))")
        }
        return try convert(model, source: path, classNames: classNames, normalisation: normalisation)
    }

    public static func convert(_ model: Onnx_ModelProto, source: String, classNames: [String],
                               normalisation: String) throws -> Result {
        func fail(_ reason: String) -> ONNXError { ONNXError(source: source, reason: reason) }
        let graph = model.graph
        var initializers: [String: Onnx_TensorProto] = [:]
        for tensor in graph.initializer { initializers[tensor.name] = tensor }
        guard let input = graph.input.first(where: { initializers[$0.name] == nil }) else {
            throw fail("the graph has no input")
        }
        let dims = input.type.tensorType.shape.dim
        guard input.type.tensorType.elemType == Int32(Onnx_TensorProto.DataType.float.rawValue) else {
            throw fail("input '\(input.name)' is not float32")
        }
        guard dims.count == 4 else {
            throw fail("input '\(input.name)' has \(dims.count) dimensions; an image classifier takes N×C×H×W")
        }
        let fixed = dims.dropFirst().map { $0.dimValue }
        guard fixed.allSatisfy({ $0 > 0 }) else {
            throw fail("input '\(input.name)' needs fixed channels, height and width (got \(dims.map { $0.dimValue > 0 ? "\($0.dimValue)" : $0.dimParam }))")
        }
        let inputSpec = InputSpec(channels: Int(fixed[0]), height: Int(fixed[1]), width: Int(fixed[2]),
                                  normalisation: normalisation)

        var layers: [LayerSpec] = []
        var weights: [String: Tensor] = [:]
        var mapping: [String] = []
        var current = input.name
        var counters: [String: Int] = [:]
        var endsWithSoftmax = false
        var spatial = true
        func nextName(_ prefix: String) -> String {
            counters[prefix, default: 0] += 1
            return "\(prefix)\(counters[prefix] ?? 1)"
        }
        func initializer(_ name: String, of node: String) throws -> Tensor {
            guard let proto = initializers[name] else {
                throw fail("node \(node): input '\(name)' is not a weight (initializer); branching graphs are not supported")
            }
            return try tensor(proto, source: source)
        }

        let nodes = graph.node
        var index = 0
        while index < nodes.count {
            let node = nodes[index]
            let label = "\(node.opType) '\(node.name.isEmpty ? node.output.first ?? "?" : node.name)'"
            guard supportedOperators.contains(node.opType), node.domain.isEmpty || node.domain == "ai.onnx" else {
                throw fail("node \(label): operator \(node.domain.isEmpty ? "" : node.domain + ".")\(node.opType) is not "
                           + "supported (supported: \(supportedOperators.filter { $0 != "Identity" }.joined(separator: ", ")))")
            }
            guard let data = node.input.first, data == current else {
                throw fail("node \(label) does not take the previous layer's output ('\(current)'); "
                           + "branching graphs (residual Add, concatenation) are not supported by sequential models")
            }
            guard let output = node.output.first else { throw fail("node \(label) has no output") }
            let attributes = Dictionary(node.attribute.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            func ints(_ name: String) -> [Int]? { attributes[name].map { $0.ints.map(Int.init) } }
            func int(_ name: String) -> Int? { attributes[name].map { Int($0.i) } }
            func float(_ name: String) -> Float? { attributes[name].map { $0.f } }
            func square(_ values: [Int]?, what: String) throws -> Int? {
                guard let values else { return nil }
                guard let first = values.first, values.allSatisfy({ $0 == first }) else {
                    throw fail("node \(label): \(what) \(values) must be equal on every side")
                }
                return first
            }
            if let autoPad = attributes["auto_pad"], let text = String(data: autoPad.s, encoding: .utf8),
               !["", "NOTSET", "VALID"].contains(text) {
                throw fail("node \(label): auto_pad \(text) is not supported; export with explicit pads")
            }
            switch node.opType {
            case "Conv":
                guard (int("group") ?? 1) == 1 else { throw fail("node \(label): grouped convolution is not supported") }
                guard (ints("dilations") ?? [1, 1]).allSatisfy({ $0 == 1 }) else {
                    throw fail("node \(label): dilated convolution is not supported")
                }
                guard node.input.count >= 2 else { throw fail("node \(label) has no weight") }
                let weight = try initializer(node.input[1], of: label)
                guard weight.shape.count == 4, weight.shape[2] == weight.shape[3] else {
                    throw fail("node \(label): weight of shape \(weight.shape) is not a square 2-D kernel")
                }
                let name = nextName("conv")
                let stride = try square(ints("strides"), what: "strides") ?? 1
                let padding = try square(ints("pads"), what: "pads") ?? 0
                let hasBias = node.input.count >= 3 && !node.input[2].isEmpty
                layers.append(.conv2d(name: name, filters: weight.shape[0], kernel: weight.shape[2], stride: stride,
                                      padding: padding, bias: hasBias))
                weights["\(name).weight"] = weight
                if hasBias { weights["\(name).bias"] = try initializer(node.input[2], of: label) }
                mapping.append("\(label) -> conv2d \(name)")
            case "BatchNormalization":
                guard node.input.count == 5 else { throw fail("node \(label) needs scale, bias, mean and variance") }
                let name = nextName("bn")
                layers.append(.batchNorm(name: name, epsilon: float("epsilon") ?? 1e-5))
                for (suffix, position) in [("weight", 1), ("bias", 2), ("running_mean", 3), ("running_var", 4)] {
                    weights["\(name).\(suffix)"] = try initializer(node.input[position], of: label)
                }
                mapping.append("\(label) -> batch_norm \(name)")
            case "Relu":
                layers.append(.relu)
                mapping.append("\(label) -> relu")
            case "MaxPool", "AveragePool":
                guard let kernel = try square(ints("kernel_shape"), what: "kernel_shape") else {
                    throw fail("node \(label) has no kernel_shape")
                }
                guard (ints("pads") ?? []).allSatisfy({ $0 == 0 }), (int("ceil_mode") ?? 0) == 0 else {
                    throw fail("node \(label): padded or ceil-mode pooling is not supported")
                }
                let stride = try square(ints("strides"), what: "strides") ?? 1
                layers.append(node.opType == "MaxPool" ? .maxPool(kernel: kernel, stride: stride)
                                                       : .avgPool(kernel: kernel, stride: stride))
                mapping.append("\(label) -> \(node.opType == "MaxPool" ? "max_pool" : "avg_pool") \(kernel)/\(stride)")
            case "GlobalAveragePool":
                layers.append(.globalAvgPool)
                spatial = false
                mapping.append("\(label) -> global_avg_pool")
            case "Flatten":
                // Our dense layer reads C×H×W in the same row-major order, and global pooling already gives features.
                guard (int("axis") ?? 1) == 1 else { throw fail("node \(label): Flatten axis must be 1") }
                mapping.append("\(label) -> (implicit)")
            case "Dropout", "Identity":
                mapping.append("\(label) -> (inference: identity)")
            case "Gemm", "MatMul":
                guard node.input.count >= 2 else { throw fail("node \(label) has no weight") }
                var weight = try initializer(node.input[1], of: label)
                guard weight.shape.count == 2 else { throw fail("node \(label): weight of shape \(weight.shape) is not a matrix") }
                let transposed = node.opType == "Gemm" && (int("transB") ?? 0) == 1
                if !transposed { weight = try transpose(weight) }
                guard (int("transA") ?? 0) == 0, (float("alpha") ?? 1) == 1, (float("beta") ?? 1) == 1 else {
                    throw fail("node \(label): transA, alpha or beta other than the defaults is not supported")
                }
                var bias = Tensor(zeros: [weight.shape[0]])
                var consumed = output
                if node.opType == "Gemm", node.input.count >= 3, !node.input[2].isEmpty {
                    bias = try initializer(node.input[2], of: label)
                } else if node.opType == "MatMul", index + 1 < nodes.count, nodes[index + 1].opType == "Add",
                          nodes[index + 1].input.contains(output),
                          let other = nodes[index + 1].input.first(where: { $0 != output }), initializers[other] != nil {
                    bias = try initializer(other, of: label)
                    index += 1
                    consumed = nodes[index].output.first ?? output
                    mapping.append("Add '\(nodes[index].name)' -> bias of the MatMul below")
                }
                guard bias.count == weight.shape[0] else {
                    throw fail("node \(label): bias of \(bias.count) values for \(weight.shape[0]) outputs")
                }
                let name = nextName("fc")
                layers.append(.dense(name: name, units: weight.shape[0]))
                weights["\(name).weight"] = weight
                weights["\(name).bias"] = try Tensor(shape: [weight.shape[0]], values: bias.values)
                spatial = false
                mapping.append("\(label) -> dense \(name)")
                current = consumed
                index += 1
                continue
            case "Add":
                throw fail("node \(label): Add outside a MatMul bias (a residual connection) is not supported by "
                           + "sequential models")
            case "Softmax":
                guard !spatial, (int("axis") ?? -1) == 1 || (int("axis") ?? -1) == -1 else {
                    throw fail("node \(label): softmax must be over the class axis")
                }
                if index == nodes.count - 1 { endsWithSoftmax = true }
                layers.append(.softmax)
                mapping.append("\(label) -> softmax")
            default:
                throw fail("node \(label): operator \(node.opType) is not supported")
            }
            current = output
            index += 1
        }
        if layers.last?.type != .softmax { layers.append(.softmax) }
        let producer = [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        let architecture = Architecture(
            input: inputSpec, layers: layers, classNames: classNames,
            provenance: Provenance(createdAt: ISO8601DateFormatter().string(from: Date()),
                                   software: "viroscope import-onnx",
                                   data: "imported from \(URL(fileURLWithPath: source).lastPathComponent)"
                                       + (producer.isEmpty ? "" : " (produced by \(producer))")))
        do { _ = try Model(architecture: architecture, weights: weights) } catch {
            throw fail("the imported network does not fit together: \(error)")
        }
        return Result(architecture: architecture, weights: weights, endsWithSoftmax: endsWithSoftmax, mapping: mapping)
    }

    /// Decodes a float32 initializer (raw little-endian bytes or the repeated float field).
    static func tensor(_ proto: Onnx_TensorProto, source: String) throws -> Tensor {
        guard proto.dataType == Int32(Onnx_TensorProto.DataType.float.rawValue) else {
            throw ONNXError(source: source, reason: "weight '\(proto.name)' is not float32 (data type \(proto.dataType))")
        }
        guard proto.dataLocation != .external else {
            throw ONNXError(source: source, reason: "weight '\(proto.name)' is stored in an external file; save the model with its weights inside")
        }
        let shape = proto.dims.map(Int.init)
        let count = shape.reduce(1, *)
        var values: [Float]
        if !proto.rawData.isEmpty {
            guard proto.rawData.count == count * 4 else {
                throw ONNXError(source: source, reason: "weight '\(proto.name)' has \(proto.rawData.count) bytes for shape \(shape)")
            }
            values = [Float](repeating: 0, count: count)
            proto.rawData.withUnsafeBytes { raw in
                for i in 0..<count {
                    values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
            }
        } else {
            values = proto.floatData
            guard values.count == count else {
                throw ONNXError(source: source, reason: "weight '\(proto.name)' has \(values.count) values for shape \(shape)")
            }
        }
        guard values.allSatisfy(\.isFinite) else {
            throw ONNXError(source: source, reason: "weight '\(proto.name)' contains NaN or infinity")
        }
        do { return try Tensor(shape: shape, values: values) } catch {
            throw ONNXError(source: source, reason: "weight '\(proto.name)' has an invalid shape \(shape)")
        }
    }

    static func transpose(_ matrix: Tensor) throws -> Tensor {
        let rows = matrix.shape[0], columns = matrix.shape[1]
        var out = [Float](repeating: 0, count: rows * columns)
        for r in 0..<rows { for c in 0..<columns { out[c * rows + r] = matrix.values[r * columns + c] } }
        return try Tensor(shape: [columns, rows], values: out)
    }
}
