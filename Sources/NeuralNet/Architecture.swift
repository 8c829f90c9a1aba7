import Foundation

/// The network description stored as `architecture.json` beside `weights.safetensors`. It says what the input
/// must look like, which layers run in which order, what the output classes mean and where the model came from,
/// so a model trained elsewhere can be brought in by writing the same two files.
public struct Architecture: Codable, Sendable, Equatable {
    /// The only format this build reads; a newer file is refused rather than misread.
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    public var input: InputSpec
    public var layers: [LayerSpec]
    /// Output class names in logit order, e.g. `["uninfected", "infected"]`.
    public var classNames: [String]
    public var provenance: Provenance?

    public init(input: InputSpec, layers: [LayerSpec], classNames: [String], provenance: Provenance? = nil) {
        self.formatVersion = Architecture.currentFormatVersion
        self.input = input
        self.layers = layers
        self.classNames = classNames
        self.provenance = provenance
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", input, layers, classNames = "class_names", provenance
    }

    /// The default nucleus classifier: conv-BN-ReLU blocks (16, 32, 64 filters, each but the last followed by 2×2
    /// max pooling), global average pooling, dropout and a two-way dense layer. About 20 MFLOP per 64×64 crop, so
    /// thousands of crops per second on one core. `stages: 4` adds a fourth 64-filter block at an eighth of the
    /// input size (about 1.25× the FLOPs): its wider view (about 40 px) spans a whole enlarged nucleus, rim and
    /// centre, rather than a part of it.
    public static func defaultClassifier(inputSize: Int = 64, channels: Int = 1, stages: Int = 3) -> Architecture {
        var layers: [LayerSpec] = [
            .conv2d(name: "conv1", filters: 16, kernel: 3, padding: 1, bias: false),
            .batchNorm(name: "bn1"), .relu, .maxPool(kernel: 2),
            .conv2d(name: "conv2", filters: 32, kernel: 3, padding: 1, bias: false),
            .batchNorm(name: "bn2"), .relu, .maxPool(kernel: 2),
            .conv2d(name: "conv3", filters: 64, kernel: 3, padding: 1, bias: false),
            .batchNorm(name: "bn3"), .relu,
        ]
        if stages >= 4 {
            layers += [
                .maxPool(kernel: 2),
                .conv2d(name: "conv4", filters: 64, kernel: 3, padding: 1, bias: false),
                .batchNorm(name: "bn4"), .relu,
            ]
        }
        layers += [.globalAvgPool, .dropout(rate: 0.2), .dense(name: "fc", units: 2), .softmax]
        return Architecture(
            input: InputSpec(channels: channels, height: inputSize, width: inputSize, normalisation: "percentile-1-99"),
            layers: layers,
            classNames: ["uninfected", "infected"]
        )
    }

    /// Encodes with sorted keys so the same architecture always gives the same bytes (the model hash covers them).
    public func jsonBytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [0x0A]
    }
}

/// What the network expects as input. `normalisation` names how crops were scaled before training
/// (e.g. `percentile-1-99`: 1st percentile to 0, 99th to 1), so inference can scale them the same way.
public struct InputSpec: Codable, Sendable, Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var normalisation: String

    public init(channels: Int, height: Int, width: Int, normalisation: String) {
        self.channels = channels
        self.height = height
        self.width = width
        self.normalisation = normalisation
    }
}

/// Where a model came from, kept with it so a result can be traced to the training run that produced it.
public struct Provenance: Codable, Sendable, Equatable {
    public var createdAt: String
    public var software: String
    public var trainingCommand: String?
    public var data: String?
    public var seed: UInt64?
    public var epochs: Int?
    public var metrics: [String: Double]

    public init(createdAt: String, software: String, trainingCommand: String? = nil, data: String? = nil,
                seed: UInt64? = nil, epochs: Int? = nil, metrics: [String: Double] = [:]) {
        self.createdAt = createdAt
        self.software = software
        self.trainingCommand = trainingCommand
        self.data = data
        self.seed = seed
        self.epochs = epochs
        self.metrics = metrics
    }

    enum CodingKeys: String, CodingKey {
        case createdAt = "created_at", software, trainingCommand = "training_command", data, seed, epochs, metrics
    }
}

/// One layer of the network. A flat record (a `type` plus the parameters that type uses) rather than an enum
/// with associated values, so the JSON is easy to write from Python.
public struct LayerSpec: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case conv2d, batchNorm = "batch_norm", relu, maxPool = "max_pool", avgPool = "avg_pool"
        case globalAvgPool = "global_avg_pool", dense, dropout, softmax
    }

    public var type: Kind
    /// Prefix of the layer's tensors in the weights file (`conv1.weight`); required for conv, batch norm, dense.
    public var name: String?
    /// Conv output channels.
    public var filters: Int?
    /// Square kernel size (conv, pools).
    public var kernel: Int?
    public var stride: Int?
    public var padding: Int?
    /// Whether a conv has a bias tensor (false when a batch norm follows).
    public var bias: Bool?
    /// Dense output features.
    public var units: Int?
    public var epsilon: Float?
    public var momentum: Float?
    /// Dropout probability during training.
    public var rate: Float?

    public init(type: Kind, name: String? = nil, filters: Int? = nil, kernel: Int? = nil, stride: Int? = nil,
                padding: Int? = nil, bias: Bool? = nil, units: Int? = nil, epsilon: Float? = nil,
                momentum: Float? = nil, rate: Float? = nil) {
        self.type = type; self.name = name; self.filters = filters; self.kernel = kernel; self.stride = stride
        self.padding = padding; self.bias = bias; self.units = units; self.epsilon = epsilon
        self.momentum = momentum; self.rate = rate
    }

    public static func conv2d(name: String, filters: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                              bias: Bool = true) -> LayerSpec {
        LayerSpec(type: .conv2d, name: name, filters: filters, kernel: kernel, stride: stride, padding: padding, bias: bias)
    }
    public static func batchNorm(name: String, epsilon: Float = 1e-5, momentum: Float = 0.1) -> LayerSpec {
        LayerSpec(type: .batchNorm, name: name, epsilon: epsilon, momentum: momentum)
    }
    public static let relu = LayerSpec(type: .relu)
    public static func maxPool(kernel: Int, stride: Int? = nil) -> LayerSpec {
        LayerSpec(type: .maxPool, kernel: kernel, stride: stride ?? kernel)
    }
    public static func avgPool(kernel: Int, stride: Int? = nil) -> LayerSpec {
        LayerSpec(type: .avgPool, kernel: kernel, stride: stride ?? kernel)
    }
    public static let globalAvgPool = LayerSpec(type: .globalAvgPool)
    public static func dense(name: String, units: Int) -> LayerSpec { LayerSpec(type: .dense, name: name, units: units) }
    public static func dropout(rate: Float) -> LayerSpec { LayerSpec(type: .dropout, rate: rate) }
    public static let softmax = LayerSpec(type: .softmax)

    /// A short label for error messages: the name if there is one, otherwise the type and position.
    func label(_ index: Int) -> String { name.map { "'\($0)'" } ?? "\(type.rawValue) (layer \(index))" }
}

/// Why an architecture cannot be used.
public struct ArchitectureError: Error, CustomStringConvertible, Equatable {
    public let source: String
    public let reason: String
    public var description: String { "\(source): \(reason)" }
}

/// A layer with its input and output shapes (per sample, without the batch axis) and the tensors it needs.
struct ResolvedLayer: Sendable {
    let spec: LayerSpec
    let inputShape: [Int]
    let outputShape: [Int]
    let parameters: [(name: String, shape: [Int])]
}

extension Architecture {
    /// Largest input side, channel count, kernel, stride, padding, filter or unit count accepted.
    public static let maximumDimension = 1 << 14
    /// Largest number of values in one sample's activation or in one parameter tensor (1 GiB of Float32).
    public static let maximumActivation = 1 << 28

    /// Walks the layers, checking every parameter and computing shapes; the first problem is named with its layer.
    func resolve(source: String) throws -> [ResolvedLayer] {
        func fail(_ reason: String) -> ArchitectureError { ArchitectureError(source: source, reason: reason) }
        guard formatVersion == Architecture.currentFormatVersion else {
            throw fail("format_version \(formatVersion) is not supported (this build reads \(Architecture.currentFormatVersion))")
        }
        guard input.channels > 0, input.height > 0, input.width > 0 else {
            throw fail("input must have positive channels, height and width")
        }
        // A crafted architecture.json must be an error, not an Int overflow trap (found by ops/fuzz model) nor an
        // allocation of petabytes at inference: sizes are bounded far above any real classifier.
        func checkSize(_ value: Int?, _ what: String, _ limit: Int) throws {
            if let value, value > limit { throw fail("\(what) \(value) is larger than \(limit)") }
        }
        try checkSize(input.channels, "input channels", Architecture.maximumDimension)
        try checkSize(input.height, "input height", Architecture.maximumDimension)
        try checkSize(input.width, "input width", Architecture.maximumDimension)
        func checkActivation(_ shape: [Int], _ label: String) throws {
            var count = 1
            for dimension in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow, product <= Architecture.maximumActivation else {
                    throw fail("\(label) produces \(shape), more than \(Architecture.maximumActivation) values per sample")
                }
                count = product
            }
        }
        try checkActivation([input.channels, input.height, input.width], "the input")
        guard classNames.count >= 2 else { throw fail("class_names must list at least two classes") }
        var shape = [input.channels, input.height, input.width]
        var resolved: [ResolvedLayer] = []
        var names = Set<String>()
        for (i, l) in layers.enumerated() {
            let label = l.label(i)
            func requireName() throws -> String {
                guard let n = l.name, !n.isEmpty else { throw fail("\(l.type.rawValue) layer \(i) needs a name") }
                guard names.insert(n).inserted else { throw fail("layer name '\(n)' is used twice") }
                return n
            }
            func spatial() throws -> (c: Int, h: Int, w: Int) {
                guard shape.count == 3 else { throw fail("layer \(label) needs an image input, got features of shape \(shape)") }
                return (shape[0], shape[1], shape[2])
            }
            for (value, what) in [(l.kernel, "kernel"), (l.stride, "stride"), (l.padding, "padding"),
                                  (l.filters, "filters"), (l.units, "units")] {
                try checkSize(value, "\(label) \(what)", Architecture.maximumDimension)
            }
            var params: [(String, [Int])] = []
            let inShape = shape
            switch l.type {
            case .conv2d:
                let n = try requireName()
                let (c, h, w) = try spatial()
                let k = l.kernel ?? 0, s = l.stride ?? 1, p = l.padding ?? 0, f = l.filters ?? 0
                guard k > 0, s > 0, p >= 0, f > 0 else { throw fail("conv \(label) needs positive filters, kernel, stride and padding >= 0") }
                let ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1
                guard h + 2 * p >= k, w + 2 * p >= k, ho > 0, wo > 0 else {
                    throw fail("conv \(label) kernel \(k) does not fit its \(h)×\(w) input")
                }
                params.append(("\(n).weight", [f, c, k, k]))
                if l.bias ?? true { params.append(("\(n).bias", [f])) }
                shape = [f, ho, wo]
            case .batchNorm:
                let n = try requireName()
                let c = shape[0]
                for suffix in ["weight", "bias", "running_mean", "running_var"] { params.append(("\(n).\(suffix)", [c])) }
            case .relu, .dropout, .softmax:
                if l.type == .dropout, let r = l.rate, !(r >= 0 && r < 1) { throw fail("dropout \(label) rate must be in [0, 1)") }
                if l.type == .softmax, shape.count != 1 { throw fail("softmax \(label) needs a feature input, got \(shape)") }
            case .maxPool, .avgPool:
                let (c, h, w) = try spatial()
                let k = l.kernel ?? 0, s = l.stride ?? k
                guard k > 0, s > 0, k <= h, k <= w else { throw fail("pool \(label) kernel \(k) does not fit its \(h)×\(w) input") }
                shape = [c, (h - k) / s + 1, (w - k) / s + 1]
            case .globalAvgPool:
                let (c, _, _) = try spatial()
                shape = [c]
            case .dense:
                let n = try requireName()
                let u = l.units ?? 0
                guard u > 0 else { throw fail("dense \(label) needs positive units") }
                let inFeatures = shape.reduce(1, *)
                params.append(("\(n).weight", [u, inFeatures]))
                params.append(("\(n).bias", [u]))
                shape = [u]
            }
            try checkActivation(shape, "layer \(label)")
            for (name, parameterShape) in params { try checkActivation(parameterShape, "parameter \(name)") }
            resolved.append(ResolvedLayer(spec: l, inputShape: inShape, outputShape: shape, parameters: params))
        }
        guard shape == [classNames.count] else {
            throw fail("the network ends with shape \(shape) but class_names has \(classNames.count) classes")
        }
        return resolved
    }

    /// Multiply-adds × 2 per sample of the convolution and dense layers, for GFLOP/s figures.
    public func flopsPerSample() throws -> Double {
        var flops = 0.0
        for r in try resolve(source: "architecture") {
            switch r.spec.type {
            case .conv2d:
                let k = Double(r.spec.kernel ?? 0)
                flops += 2 * Double(r.outputShape.reduce(1, *)) * Double(r.inputShape[0]) * k * k
            case .dense:
                flops += 2 * Double(r.outputShape[0]) * Double(r.inputShape.reduce(1, *))
            default: break
            }
        }
        return flops
    }
}
