import Foundation
import NeuralNet
import SwiftProtobuf

/// Writes a Viroscope model as an ONNX graph (opset 17), so it can be run or inspected with ONNX Runtime,
/// Netron or PyTorch. Batch norm stays a separate node (runtimes fold it themselves); the output is the class
/// probabilities, named `probabilities`, for input `input` of shape N×C×H×W with a symbolic batch size.
public enum ONNXExporter {
    public static let opset: Int64 = 17
    public static let irVersion: Int64 = 8

    public static func export(_ model: Model) throws -> Onnx_ModelProto {
        let architecture = model.architecture
        var nodes: [Onnx_NodeProto] = []
        var initializers: [Onnx_TensorProto] = []
        var current = "input"
        var counter = 0
        var spatial = true
        func fresh(_ prefix: String) -> String {
            counter += 1
            return "\(prefix)_\(counter)"
        }
        func weight(_ name: String) throws -> String {
            guard let tensor = model.weights[name] else {
                throw ONNXError(source: "model \(model.sha256.prefix(12))", reason: "tensor '\(name)' is missing")
            }
            initializers.append(tensorProto(name, tensor))
            return name
        }
        func node(_ op: String, _ inputs: [String], _ attributes: [Onnx_AttributeProto] = []) -> String {
            let output = fresh(op.lowercased())
            nodes.append(.with {
                $0.opType = op
                $0.name = output
                $0.input = inputs
                $0.output = [output]
                $0.attribute = attributes
            })
            return output
        }
        for layer in architecture.layers {
            switch layer.type {
            case .conv2d:
                let name = layer.name ?? ""
                var inputs = [current, try weight("\(name).weight")]
                if layer.bias ?? true { inputs.append(try weight("\(name).bias")) }
                let k = layer.kernel ?? 1, s = layer.stride ?? 1, p = layer.padding ?? 0
                current = node("Conv", inputs, [ints("kernel_shape", [k, k]), ints("strides", [s, s]),
                                                ints("pads", [p, p, p, p])])
            case .batchNorm:
                let name = layer.name ?? ""
                let inputs = try ["weight", "bias", "running_mean", "running_var"].map { try weight("\(name).\($0)") }
                current = node("BatchNormalization", [current] + inputs, [float("epsilon", layer.epsilon ?? 1e-5)])
            case .relu:
                current = node("Relu", [current])
            case .maxPool, .avgPool:
                let k = layer.kernel ?? 1, s = layer.stride ?? k
                current = node(layer.type == .maxPool ? "MaxPool" : "AveragePool", [current],
                               [ints("kernel_shape", [k, k]), ints("strides", [s, s])])
            case .globalAvgPool:
                current = node("Flatten", [node("GlobalAveragePool", [current])], [int("axis", 1)])
                spatial = false
            case .dense:
                let name = layer.name ?? ""
                if spatial {
                    current = node("Flatten", [current], [int("axis", 1)])
                    spatial = false
                }
                current = node("Gemm", [current, try weight("\(name).weight"), try weight("\(name).bias")],
                               [int("transB", 1)])
            case .dropout:
                continue
            case .softmax:
                current = node("Softmax", [current], [int("axis", 1)])
            }
        }
        if architecture.layers.last?.type != .softmax {
            // Our inference always ends in probabilities; the exported graph must give the same numbers.
            current = node("Softmax", [current], [int("axis", 1)])
        }
        nodes[nodes.count - 1].output = ["probabilities"]
        let input = architecture.input
        return .with {
            $0.irVersion = irVersion
            $0.producerName = "viroscope"
            $0.producerVersion = "1"
            $0.docString = "Viroscope nucleus classifier sha256 \(model.sha256); classes "
                + architecture.classNames.joined(separator: ", ") + "; input normalisation \(input.normalisation)"
            $0.opsetImport = [.with { $0.domain = ""; $0.version = opset }]
            $0.graph = .with {
                $0.name = "viroscope_classifier"
                $0.node = nodes
                $0.initializer = initializers
                $0.input = [valueInfo("input", dims: [nil, input.channels, input.height, input.width])]
                $0.output = [valueInfo("probabilities", dims: [nil, architecture.classNames.count])]
            }
        }
    }

    public static func write(_ model: Model, to path: String) throws {
        do {
            let bytes: Data = try export(model).serializedBytes()
            try bytes.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch let error as ONNXError {
            throw error
        } catch {
            throw ONNXError(source: path, reason: "cannot write: \(error)")
        }
    }

    static func tensorProto(_ name: String, _ tensor: Tensor) -> Onnx_TensorProto {
        .with {
            $0.name = name
            $0.dims = tensor.shape.map(Int64.init)
            $0.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
            var raw = Data(capacity: tensor.count * 4)
            for value in tensor.values { withUnsafeBytes(of: value.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
            $0.rawData = raw
        }
    }

    static func valueInfo(_ name: String, dims: [Int?]) -> Onnx_ValueInfoProto {
        .with {
            $0.name = name
            $0.type.tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
            $0.type.tensorType.shape.dim = dims.map { size in
                .with { if let size { $0.dimValue = Int64(size) } else { $0.dimParam = "N" } }
            }
        }
    }

    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        .with { $0.name = name; $0.type = .ints; $0.ints = values.map(Int64.init) }
    }

    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        .with { $0.name = name; $0.type = .int; $0.i = Int64(value) }
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        .with { $0.name = name; $0.type = .float; $0.f = value }
    }
}
