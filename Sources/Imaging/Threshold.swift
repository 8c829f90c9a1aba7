import Foundation

/// Automatic global thresholds over a fine histogram of the (smoothed) image.
/// 4096 bins keep the quantisation error below 0.03 % of the intensity range while staying O(n).
struct IntensityHistogram {
    static let binCount = 4096
    let counts: [Double]
    let low: Float
    let binWidth: Float
    let total: Double
    /// True when `init(robust:)` left extreme values out of the range (they are counted in the end bins).
    let isNarrowed: Bool
    /// The top of the range: values at or above it fall in the last bin.
    var high: Float { low + Float(Self.binCount) * binWidth }

    /// A histogram of the finite values over their full range.
    init(_ pixels: [Float]) {
        var lo = Float.infinity, hi = -Float.infinity
        pixels.withUnsafeBufferPointer { p in
            for v in p where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
        }
        if !lo.isFinite { lo = 0; hi = 0 }
        self.init(pixels, low: lo, high: hi)
    }

    /// A histogram whose range ignores the rarest extreme values: one hot pixel of 4·10⁹ in a uint32 or float
    /// image would otherwise squeeze every real intensity into the first bin, and Otsu would find nothing.
    /// While the `tail` and `1 - tail` quantiles span less than a sixteenth of the bins, the range is narrowed
    /// to them (values outside fall in the end bins); each pass is O(n) and zooms up to 4096-fold, so a dozen
    /// passes reach from Float's whole range down to camera counts.
    init(robust pixels: [Float], tail: Double = 1e-4) {
        self.init(pixels)
        // In a small image one pixel is more than `tail`: still leave a single extreme pixel out.
        let tail = max(tail, 1.5 / max(1, total))
        for _ in 0..<12 {
            let lowBin = bin(ofQuantile: tail), highBin = bin(ofQuantile: 1 - tail)
            guard highBin - lowBin < Self.binCount / 16 else { return }
            let lo = low + Float(lowBin) * binWidth, hi = upperEdge(highBin)
            // Stop where Float cannot resolve 4096 bins any more, or nothing would change.
            guard hi - lo > Float(Self.binCount) * max(abs(lo), abs(hi)).ulp,
                  lo > low || hi < upperEdge(Self.binCount - 1) else { return }
            self.init(pixels, low: lo, high: hi, narrowed: true)
        }
    }

    private init(_ pixels: [Float], low lo: Float, high hi: Float, narrowed: Bool = false) {
        low = lo
        isNarrowed = narrowed
        binWidth = hi > lo ? (hi - lo) / Float(Self.binCount) : 1
        var integerCounts = [Int](repeating: 0, count: Self.binCount)
        let scale = 1 / binWidth, last = Self.binCount - 1, base = lo
        pixels.withUnsafeBufferPointer { p in
            integerCounts.withUnsafeMutableBufferPointer { c in
                for v in p where v.isFinite {
                    let position = (v - base) * scale
                    // `!(position > 0)` also catches NaN (0 × ∞ when the range is one value).
                    c[!(position > 0) ? 0 : position >= Float(last) ? last : Int(position)] &+= 1
                }
            }
        }
        let counts = integerCounts.map(Double.init)
        var n = 0.0
        for c in counts { n += c }
        self.counts = counts
        total = n
    }

    /// The bin holding the `q` quantile of the counted values.
    func bin(ofQuantile q: Double) -> Int {
        let target = q * total
        var cumulative = 0.0
        for i in 0..<Self.binCount {
            cumulative += counts[i]
            if cumulative >= target && cumulative > 0 { return i }
        }
        return Self.binCount - 1
    }

    /// The `q` quantile, to within one bin (the bin's upper edge).
    func quantile(_ q: Double) -> Float { upperEdge(bin(ofQuantile: q)) }

    /// How many bins hold any value: a handful means the image has (almost) no dynamic range to threshold.
    var occupiedBins: Int { counts.reduce(0) { $1 > 0 ? $0 + 1 : $0 } }

    var isConstant: Bool { counts.filter { $0 > 0 }.count <= 1 }

    /// Value at the centre of bin `i`.
    func centre(_ i: Int) -> Double { Double(low) + (Double(i) + 0.5) * Double(binWidth) }
    /// Upper edge of bin `i`: the threshold that puts bins 0...i in the background.
    func upperEdge(_ i: Int) -> Float { low + Float(i + 1) * binWidth }

    /// Otsu's threshold: the bin edge maximising between-class variance, of the intensities or of their
    /// logarithms. On logarithms dim nuclei are not sacrificed to very bright ones (CellProfiler's option
    /// "log transform before thresholding").
    func otsu(logarithmic: Bool = false) -> Float {
        guard !isConstant else { return upperEdge(Self.binCount - 1) }
        // Positive values for the logarithm: raw values when the image is positive, else shifted above zero.
        let shift = low > 0 ? 0 : Double(binWidth) - Double(low)
        let value: (Int) -> Double = logarithmic ? { log(self.centre($0) + shift) } : { self.centre($0) }
        var values = [Double](repeating: 0, count: Self.binCount)
        for i in 0..<Self.binCount { values[i] = value(i) }
        var sumAll = 0.0
        for i in 0..<Self.binCount { sumAll += counts[i] * values[i] }
        var weightBack = 0.0, sumBack = 0.0, best = -1.0, bestIndex = 0
        for i in 0..<(Self.binCount - 1) {
            weightBack += counts[i]
            sumBack += counts[i] * values[i]
            let weightFore = total - weightBack
            if weightBack == 0 { continue }
            if weightFore == 0 { break }
            let meanBack = sumBack / weightBack, meanFore = (sumAll - sumBack) / weightFore
            let between = weightBack * weightFore * (meanBack - meanFore) * (meanBack - meanFore)
            if between > best { best = between; bestIndex = i }
        }
        return upperEdge(bestIndex)
    }

    /// Li's minimum cross-entropy threshold, iterated to a fixed point (Li & Tam 1998), on intensities shifted to be
    /// positive so the logarithms are defined.
    func li() -> Float {
        guard !isConstant else { return upperEdge(Self.binCount - 1) }
        // Work in shifted units: value - low + half a bin, always > 0.
        var sumAll = 0.0
        for i in 0..<Self.binCount { sumAll += counts[i] * (Double(i) + 0.5) }
        var t = sumAll / total  // start from the mean, in bin units
        for _ in 0..<1000 {
            let split = min(Self.binCount - 1, max(0, Int(t)))
            var wb = 0.0, sb = 0.0
            for i in 0..<split { wb += counts[i]; sb += counts[i] * (Double(i) + 0.5) }
            let wf = total - wb
            guard wb > 0, wf > 0 else { break }
            let meanBack = sb / wb, meanFore = (sumAll - sb) / wf
            guard meanBack > 0, meanFore > meanBack else { break }
            let next = (meanFore - meanBack) / (log(meanFore) - log(meanBack))
            if abs(next - t) < 0.5 { t = next; break }
            t = next
        }
        return low + Float(t) * binWidth
    }

    /// Class separation at threshold `t`: (mean above − mean at or below) / standard deviation at or below.
    func contrast(at threshold: Float) -> Double {
        var wb = 0.0, sb = 0.0, ssb = 0.0, wf = 0.0, sf = 0.0
        for i in 0..<Self.binCount where counts[i] > 0 {
            let c = centre(i)
            if Float(c) <= threshold {
                wb += counts[i]; sb += counts[i] * c; ssb += counts[i] * c * c
            } else {
                wf += counts[i]; sf += counts[i] * c
            }
        }
        guard wb > 0, wf > 0 else { return 0 }
        let meanBack = sb / wb, meanFore = sf / wf
        let sd = max(sqrt(max(0, ssb / wb - meanBack * meanBack)), Double(binWidth))
        return (meanFore - meanBack) / sd
    }
}
