/// A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64) whose output depends only on the seed.
///
/// Why our own: the standard library's generator is not seedable, and Foundation's differs between platforms.
/// Every sampler here uses only IEEE-754 arithmetic and `squareRoot()` (correctly rounded everywhere) plus the
/// portable `DeterministicMath` functions, so the same seed gives the same numbers, and the same image bytes,
/// on Linux and macOS.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64
    /// The second value of the last polar-method pair, handed out by the next `gaussian()` call.
    private var spareGaussian: Double?

    /// Seeds the four state words from SplitMix64, which never leaves xoshiro in its all-zero state.
    public init(seed: UInt64) {
        var mixer = SplitMix64(state: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
        spareGaussian = nil
    }

    /// A generator for one item of a larger job (plate, well, site), independent of the order items are made in.
    public init(seed: UInt64, stream components: [UInt64]) {
        var key = SplitMix64.mix(seed)
        for component in components {
            key = SplitMix64.mix(key ^ SplitMix64.mix(component &+ 0x632B_E59B_D9B4_E019))
        }
        self.init(seed: key)
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [low, high).
    @inline(__always)
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * uniform()
    }

    /// Uniform integer in `range`, by rejection so every value is equally likely.
    public mutating func integer(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }
        let limit = UInt64.max - UInt64.max % span
        var value = next()
        while value >= limit { value = next() }
        return range.lowerBound + Int(value % span)
    }

    /// True with probability `p`.
    @inline(__always)
    public mutating func bernoulli(_ p: Double) -> Bool {
        uniform() < p
    }

    /// Standard normal by Marsaglia's polar method (one logarithm per two values).
    public mutating func gaussian() -> Double {
        if let spare = spareGaussian {
            spareGaussian = nil
            return spare
        }
        while true {
            let u = 2 * uniform() - 1
            let v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let factor = (-2 * DeterministicMath.log(s) / s).squareRoot()
                spareGaussian = v * factor
                return u * factor
            }
        }
    }

    /// Normal with the given mean and standard deviation.
    @inline(__always)
    public mutating func gaussian(mean: Double, sd: Double) -> Double {
        mean + sd * gaussian()
    }

    /// Log-normal whose median is `median` and whose log has standard deviation `sigma`.
    public mutating func logNormal(median: Double, sigma: Double) -> Double {
        median * DeterministicMath.exp(sigma * gaussian())
    }

    /// Poisson-distributed count with mean `lambda`.
    ///
    /// Exact (Knuth's product of uniforms) below 30; above, the normal approximation with continuity correction,
    /// whose error is far below a camera's read noise at the photon counts of fluorescence images.
    public mutating func poisson(_ lambda: Double) -> Int {
        guard lambda > 0 else { return 0 }
        if lambda < 30 {
            let limit = DeterministicMath.exp(-lambda)
            var count = 0
            var product = uniform()
            while product > limit {
                count += 1
                product *= uniform()
            }
            return count
        }
        let value = lambda + lambda.squareRoot() * gaussian() + 0.5
        return value < 0 ? 0 : Int(value)
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}

/// SplitMix64: a tiny generator used to expand seeds; its `mix` step is a good 64-bit hash.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
