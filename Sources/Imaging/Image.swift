/// A single-channel image of raw intensities (not rescaled: a 16-bit pixel of 1234 is 1234.0), row-major.
/// Float32 holds every 8- and 16-bit value exactly; 32-bit integers above 2^24 lose their lowest bits.
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width * height` intensities, row by row from the top-left corner.
    public var pixels: [Float]

    /// Wraps pixels already laid out row-major. The count must be `width * height`: a mismatch is a programming
    /// error, not an input error, so it traps.
    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height,
                     "Image: \(pixels.count) pixels do not make a \(width)×\(height) image")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image filled with one value.
    public init(width: Int, height: Int, repeating value: Float = 0) {
        self.init(width: width, height: height, pixels: [Float](repeating: value, count: max(0, width * height)))
    }

    public var pixelCount: Int { width * height }

    /// Pixel at column `x`, row `y` (both zero-based).
    public subscript(x: Int, y: Int) -> Float {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// Minimum, maximum and mean over the finite pixels, in one pass.
    public var statistics: ImageStatistics {
        pixels.withUnsafeBufferPointer { buffer in
            var lo = Float.infinity, hi = -Float.infinity
            var sum = 0.0
            var count = 0
            for value in buffer where value.isFinite {
                lo = min(lo, value)
                hi = max(hi, value)
                sum += Double(value)
                count += 1
            }
            return count == 0
                ? ImageStatistics(minimum: 0, maximum: 0, mean: 0, finiteCount: 0)
                : ImageStatistics(minimum: lo, maximum: hi, mean: sum / Double(count), finiteCount: count)
        }
    }

    public var minimum: Float { statistics.minimum }
    public var maximum: Float { statistics.maximum }
    public var mean: Double { statistics.mean }
}

/// Summary intensities of an image, ignoring NaN and infinities (a float TIFF may carry them).
public struct ImageStatistics: Sendable, Equatable, Codable {
    public let minimum: Float
    public let maximum: Float
    public let mean: Double
    public let finiteCount: Int
}
