/// A per-tile (adaptive) threshold for unevenly lit fields: the image is cut into square tiles, each gets its
/// own threshold by the segmentation's method, and every pixel is compared with the threshold interpolated
/// bilinearly between the tile centres, so no seams appear at tile edges. A tile whose own threshold lacks
/// contrast (only background, or one nucleus filling it) keeps the global threshold.
struct LocalThreshold {
    let columns: Int
    let rows: Int
    let tileSize: Int
    /// Row-major, `columns * rows`.
    let thresholds: [Float]

    init(smoothed: [Float], width: Int, height: Int, tileSize: Int, global: Float, settings: SegmentationSettings) {
        self.tileSize = tileSize
        columns = max(1, (width + tileSize - 1) / tileSize)
        rows = max(1, (height + tileSize - 1) / tileSize)
        var thresholds = [Float](repeating: global, count: columns * rows)
        guard settings.thresholdMethod != .manual else { self.thresholds = thresholds; return }
        var tile: [Float] = []
        for row in 0..<rows {
            for column in 0..<columns {
                tile.removeAll(keepingCapacity: true)
                let x0 = column * tileSize, y0 = row * tileSize
                for y in y0..<min(height, y0 + tileSize) {
                    let base = y * width
                    for x in x0..<min(width, x0 + tileSize) { tile.append(smoothed[base + x]) }
                }
                let histogram = IntensityHistogram(robust: tile)
                var t = settings.thresholdMethod == .li ? histogram.li()
                    : histogram.otsu(logarithmic: settings.logTransformBeforeOtsu)
                t *= settings.thresholdCorrection
                if let lo = settings.thresholdLowerBound { t = max(t, lo) }
                if let hi = settings.thresholdUpperBound { t = min(t, hi) }
                if histogram.contrast(at: t) >= settings.minimumContrast {
                    thresholds[row * columns + column] = t
                }
            }
        }
        self.thresholds = thresholds
    }

    /// Sets `mask[i]` to whether `smoothed[i]` exceeds the threshold interpolated at that pixel.
    func binarise(_ smoothed: [Float], width: Int, height: Int, into mask: inout [UInt8]) {
        let half = Float(tileSize) / 2
        // Per-column tile pair and weight, computed once.
        var left = [Int](repeating: 0, count: width), weight = [Float](repeating: 0, count: width)
        for x in 0..<width {
            let position = min(max((Float(x) - half) / Float(tileSize), 0), Float(columns - 1))
            left[x] = min(columns - 1, Int(position))
            weight[x] = position - Float(left[x])
        }
        var line = [Float](repeating: 0, count: width)
        for y in 0..<height {
            let position = min(max((Float(y) - half) / Float(tileSize), 0), Float(rows - 1))
            let top = min(rows - 1, Int(position)), bottom = min(rows - 1, top + 1)
            let fy = position - Float(top)
            for x in 0..<width {
                let l = left[x], r = min(columns - 1, l + 1), fx = weight[x]
                let upper = thresholds[top * columns + l] * (1 - fx) + thresholds[top * columns + r] * fx
                let lower = thresholds[bottom * columns + l] * (1 - fx) + thresholds[bottom * columns + r] * fx
                line[x] = upper * (1 - fy) + lower * fy
            }
            let base = y * width
            for x in 0..<width { mask[base + x] = smoothed[base + x] > line[x] ? 1 : 0 }
        }
    }
}
