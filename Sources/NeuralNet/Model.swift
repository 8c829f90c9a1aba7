import Foundation

/// A trained classifier: architecture, weights and the fused inference plan built from them. Immutable and
/// `Sendable`, so one instance can be shared by every inference thread; each thread runs it through its own
/// `InferenceSession`.
///
/// Identity: `sha256` is the SHA-256 (lower-case hex) of the canonical bytes
/// `UInt64 little-endian length of the architecture JSON ‖ architecture JSON bytes ‖ weights.safetensors bytes`,
/// taken over the bytes exactly as stored (the length prefix keeps the split between the two unambiguous).
/// A model loaded from files or a database and saved again keeps its bytes and so its hash.
public final class Model: Sendable {
    public static let architectureFileName = "architecture.json"
    public static let weightsFileName = "weights.safetensors"

    public let architecture: Architecture
    /// The tensors by name, exactly as in the weights file (batch norm not folded).
    public let weights: [String: Tensor]
    /// The stored architecture JSON.
    public let architectureJSON: [UInt8]
    /// The stored safetensors bytes.
    public let weightsBytes: [UInt8]
    /// Hex SHA-256 of the canonical bytes (see the type's documentation).
    public let sha256: String
    let resolved: [ResolvedLayer]
    let plan: InferencePlan

    /// Loads a model from stored bytes (e.g. a database row). `source` names the origin in errors.
    /// Throws `ModelError` (with the source and the first problem) for bad JSON, a corrupt safetensors buffer,
    /// or tensors that are missing, unexpected or of the wrong shape.
    public init(architectureJSON: [UInt8], weights: [UInt8], source: String = "model") throws {
        let archSource = "\(source)/\(Model.architectureFileName)", weightSource = "\(source)/\(Model.weightsFileName)"
        let architecture: Architecture
        do {
            architecture = try JSONDecoder().decode(Architecture.self, from: Data(architectureJSON))
        } catch let error as DecodingError {
            throw ModelError.invalidArchitecture(source: archSource, reason: Model.describe(error))
        }
        let resolved: [ResolvedLayer]
        do { resolved = try architecture.resolve(source: archSource) } catch let e as ArchitectureError {
            throw ModelError.invalidArchitecture(source: e.source, reason: e.reason)
        }
        let tensors: [String: Tensor]
        do { tensors = try SafeTensors.decode(weights, source: weightSource).tensors } catch let e as SafeTensorsError {
            throw ModelError.corruptWeights(source: e.source, reason: e.reason)
        }
        try Model.validate(tensors, against: resolved, source: weightSource)
        self.architecture = architecture
        self.weights = tensors
        self.architectureJSON = architectureJSON
        self.weightsBytes = weights
        self.resolved = resolved
        self.sha256 = Model.hash(architectureJSON: architectureJSON, weights: weights)
        self.plan = InferencePlan(resolved: resolved, weights: tensors)
    }

    /// `Data` convenience for the byte initialiser.
    public convenience init(architectureJSON: Data, weights: Data, source: String = "model") throws {
        try self.init(architectureJSON: [UInt8](architectureJSON), weights: [UInt8](weights), source: source)
    }

    /// A model from an in-memory architecture and tensors (e.g. fresh from training), encoded canonically:
    /// sorted-key JSON and name-ordered safetensors, so the same model always gets the same hash.
    public convenience init(architecture: Architecture, weights: [String: Tensor]) throws {
        try self.init(architectureJSON: try architecture.jsonBytes(), weights: SafeTensors.encode(weights),
                      source: "in-memory model")
    }

    /// Reads `architecture.json` and `weights.safetensors` from `directory`.
    public static func load(directory: URL) throws -> Model {
        func read(_ name: String) throws -> [UInt8] {
            let url = directory.appendingPathComponent(name)
            do { return [UInt8](try Data(contentsOf: url)) } catch {
                throw ModelError.unreadable(path: url.path, reason: error.localizedDescription)
            }
        }
        return try Model(architectureJSON: try read(architectureFileName), weights: try read(weightsFileName),
                         source: directory.path)
    }

    /// Writes the two files into `directory` (created if needed), byte for byte as held.
    public func save(to directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(architectureJSON).write(to: directory.appendingPathComponent(Model.architectureFileName), options: .atomic)
            try Data(weightsBytes).write(to: directory.appendingPathComponent(Model.weightsFileName), options: .atomic)
        } catch {
            throw ModelError.unwritable(path: directory.path, reason: error.localizedDescription)
        }
    }

    /// Output class names in probability-column order.
    public var classNames: [String] { architecture.classNames }
    /// Per-sample input shape `[C, H, W]`.
    public var inputShape: [Int] { [architecture.input.channels, architecture.input.height, architecture.input.width] }

    /// The canonical hash (see the type's documentation).
    public static func hash(architectureJSON: [UInt8], weights: [UInt8]) -> String {
        var h = SHA256()
        let n = UInt64(architectureJSON.count)
        h.update((0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) })
        h.update(architectureJSON)
        h.update(weights)
        return SHA256.hexString(h.finalize())
    }

    static func validate(_ tensors: [String: Tensor], against resolved: [ResolvedLayer], source: String) throws {
        var expected = Set<String>()
        for r in resolved {
            for (name, shape) in r.parameters {
                expected.insert(name)
                guard let t = tensors[name] else { throw ModelError.missingTensor(source: source, name: name, shape: shape) }
                guard t.shape == shape else {
                    throw ModelError.shapeMismatch(source: source, name: name, expected: shape, found: t.shape)
                }
                guard t.values.allSatisfy({ $0.isFinite }) else { throw ModelError.nonFinite(source: source, name: name) }
            }
        }
        if let extra = tensors.keys.sorted().first(where: { !expected.contains($0) && !$0.hasSuffix(SafeTensors.ignoredSuffix) }) {
            throw ModelError.unexpectedTensor(source: source, name: extra)
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let c): return "not valid JSON (\(c.debugDescription))"
        case .keyNotFound(let k, let c): return "missing key '\(k.stringValue)' at \(path(c))"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "wrong value at \(path(c)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    private static func path(_ c: DecodingError.Context) -> String {
        let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return p.isEmpty ? "the top level" : p
    }
}

/// Why a model could not be loaded or saved; every case names the file (or byte source) involved.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case invalidArchitecture(source: String, reason: String)
    case corruptWeights(source: String, reason: String)
    case missingTensor(source: String, name: String, shape: [Int])
    case unexpectedTensor(source: String, name: String)
    case shapeMismatch(source: String, name: String, expected: [Int], found: [Int])
    case nonFinite(source: String, name: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): return "cannot read \(p): \(r)"
        case .unwritable(let p, let r): return "cannot write model to \(p): \(r)"
        case .invalidArchitecture(let s, let r): return "\(s): invalid architecture: \(r)"
        case .corruptWeights(let s, let r): return "\(s): corrupt weights: \(r)"
        case .missingTensor(let s, let n, let shape): return "\(s): tensor '\(n)' (shape \(shape)) is missing"
        case .unexpectedTensor(let s, let n): return "\(s): tensor '\(n)' is not used by the architecture"
        case .shapeMismatch(let s, let n, let e, let f): return "\(s): tensor '\(n)' has shape \(f), the architecture needs \(e)"
        case .nonFinite(let s, let n): return "\(s): tensor '\(n)' contains NaN or infinity"
        }
    }
}
