/// A dense Float32 tensor: `shape` is `[N, C, H, W]` for image batches or `[N, F]` for feature batches, and
/// `values` holds the elements in row-major (NCHW) order. A value type so batches can cross threads freely.
public struct Tensor: Sendable, Equatable {
    /// The extent of each axis, outermost first.
    public let shape: [Int]
    /// The elements in row-major order; `values.count` is the product of `shape`.
    public var values: [Float]

    /// Wraps `values` with `shape`; throws when the element count does not match the shape.
    public init(shape: [Int], values: [Float]) throws {
        guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else { throw TensorError.invalidShape(shape) }
        let count = shape.reduce(1, *)
        guard count == values.count else {
            throw TensorError.countMismatch(shape: shape, count: values.count)
        }
        self.shape = shape
        self.values = values
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.shape = shape
        self.values = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    /// Internal constructor for shapes the caller has already checked.
    init(_ shape: [Int], _ values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "tensor shape \(shape) does not match \(values.count) values")
        self.shape = shape
        self.values = values
    }

    /// Number of elements.
    public var count: Int { values.count }
    /// The batch size (first axis).
    public var batchSize: Int { shape[0] }
    /// Elements per sample (everything but the first axis).
    public var sampleSize: Int { shape.dropFirst().reduce(1, *) }

    /// The same values with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        try Tensor(shape: newShape, values: values)
    }
}

/// Why a tensor could not be built.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    case invalidShape([Int])
    case countMismatch(shape: [Int], count: Int)
    case unexpectedShape(expected: [Int], got: [Int])

    public var description: String {
        switch self {
        case .invalidShape(let s): return "invalid tensor shape \(s): every axis must be positive"
        case .countMismatch(let s, let c): return "tensor shape \(s) needs \(s.reduce(1, *)) values, got \(c)"
        case .unexpectedShape(let e, let g): return "expected a tensor of shape \(e) (per sample), got \(g)"
        }
    }
}
