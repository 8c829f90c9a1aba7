/// Fixed-size crops of nuclei for the classifier, as one NCHW tensor.
public struct CropBatch: Sendable, Equatable {
    /// Number of crops (one per nucleus, in `labels` order).
    public let count: Int
    /// 1 (intensity) or 2 (intensity, then the nucleus's own mask as 0/1).
    public let channels: Int
    /// Crops are `size × size`.
    public let size: Int
    /// `count × channels × size × size` values, crop-major, then channel, then row, then column.
    public let values: [Float]
    /// `Segmentation` label of each crop.
    public let labels: [Int]
}

/// Cuts a square window centred on each nucleus, shrinks it when the nucleus would not fit, and normalises each
/// crop by its own percentiles so the classifier sees shape and texture, not the well's exposure.
///
/// Edges: pixels beyond the image are `padding` — `.replicate` repeats the edge pixel (no false dark border for a
/// classifier to learn), `.zero` writes 0 after normalisation (and 0 in the mask channel).
public struct CropExtractor: Sendable, Equatable {
    public enum Normalisation: Sendable, Equatable {
        /// Maps the `low` and `high` percentiles of the crop (0–100) to 0 and 1, clamping outside.
        case percentiles(low: Double, high: Double)
        /// Raw intensities, unchanged.
        case none
    }
    public enum Padding: String, Sendable, Equatable, Codable { case replicate, zero }

    public var size: Int
    public var normalisation: Normalisation
    public var includeMaskChannel: Bool
    /// When a nucleus's bounding box exceeds `largeNucleusFraction` of the crop, the window grows to fit it and is
    /// area-averaged down to `size`, so the whole nucleus stays visible.
    public var rescaleLargeNuclei: Bool
    public var largeNucleusFraction: Double
    public var padding: Padding

    public init(size: Int = 64, normalisation: Normalisation = .percentiles(low: 1, high: 99),
                includeMaskChannel: Bool = false, rescaleLargeNuclei: Bool = true,
                largeNucleusFraction: Double = 0.8, padding: Padding = .replicate) {
        self.size = size
        self.normalisation = normalisation
        self.includeMaskChannel = includeMaskChannel
        self.rescaleLargeNuclei = rescaleLargeNuclei
        self.largeNucleusFraction = largeNucleusFraction
        self.padding = padding
    }

    /// Extracts one crop per nucleus of `segmentation` from `image` (normally the segmented nuclear channel).
    /// - Throws: `ImagingError.sizeMismatch` if the image and segmentation differ in size,
    ///   `ImagingError.invalidArgument` for a crop size below 2 or invalid percentiles.
    public func extract(image: Image, segmentation: Segmentation) throws -> CropBatch {
        guard image.width == segmentation.width, image.height == segmentation.height else {
            throw ImagingError.sizeMismatch(expected: "\(segmentation.width)×\(segmentation.height)",
                                            actual: "\(image.width)×\(image.height)")
        }
        guard size >= 2, size <= 4096 else { throw ImagingError.invalidArgument("crop size \(size) is not 2…4096") }
        guard largeNucleusFraction > 0, largeNucleusFraction <= 1 else {
            throw ImagingError.invalidArgument("large-nucleus fraction must be within (0, 1]")
        }
        if case let .percentiles(low, high) = normalisation, !(low >= 0 && low < high && high <= 100) {
            throw ImagingError.invalidArgument("percentiles must satisfy 0 ≤ low < high ≤ 100")
        }
        let channels = includeMaskChannel ? 2 : 1
        let plane = size * size
        var values = [Float](repeating: 0, count: segmentation.nuclei.count * channels * plane)
        var intensity = [Float](repeating: 0, count: plane)
        var inside = [Bool](repeating: true, count: plane)
        var mask = [Float](repeating: 0, count: plane)
        var sorted = [Float]()
        sorted.reserveCapacity(plane)
        let width = image.width, height = image.height
        image.pixels.withUnsafeBufferPointer { pixels in
            segmentation.labels.withUnsafeBufferPointer { labels in
                for (n, nucleus) in segmentation.nuclei.enumerated() {
                    let extent = Double(max(nucleus.boundingBox.width, nucleus.boundingBox.height))
                    let fits = Double(size) * largeNucleusFraction
                    let scale = rescaleLargeNuclei && extent > fits ? extent / fits : 1
                    let tag = Int32(nucleus.label)
                    if scale == 1 {
                        // Whole-pixel window around the rounded centroid: no interpolation blur.
                        let x0 = Int(nucleus.centroidX.rounded()) - size / 2
                        let y0 = Int(nucleus.centroidY.rounded()) - size / 2
                        for r in 0..<size {
                            for c in 0..<size {
                                let x = x0 + c, y = y0 + r, k = r * size + c
                                let outside = x < 0 || y < 0 || x >= width || y >= height
                                inside[k] = !outside
                                let i = min(height - 1, max(0, y)) * width + min(width - 1, max(0, x))
                                intensity[k] = pixels[i]
                                mask[k] = !outside && labels[i] == tag ? 1 : 0
                            }
                        }
                    } else {
                        // Area average over the `scale × scale` source box behind each crop pixel.
                        let half = Double(size) / 2
                        let span = max(1, Int(scale.rounded(.up)))
                        for r in 0..<size {
                            for c in 0..<size {
                                let sx = nucleus.centroidX + (Double(c) + 0.5 - half) * scale
                                let sy = nucleus.centroidY + (Double(r) + 0.5 - half) * scale
                                let bx = Int((sx - scale / 2).rounded()), by = Int((sy - scale / 2).rounded())
                                var sum: Float = 0, count: Float = 0
                                for dy in 0..<span {
                                    for dx in 0..<span {
                                        let x = min(width - 1, max(0, bx + dx)), y = min(height - 1, max(0, by + dy))
                                        sum += pixels[y * width + x]
                                        count += 1
                                    }
                                }
                                let k = r * size + c
                                let cx = Int(sx.rounded(.down)), cy = Int(sy.rounded(.down))
                                let outside = cx < 0 || cy < 0 || cx >= width || cy >= height
                                inside[k] = !outside
                                intensity[k] = sum / count
                                mask[k] = !outside && labels[cy * width + cx] == tag ? 1 : 0
                            }
                        }
                    }
                    normalise(&intensity, inside: inside, scratch: &sorted)
                    let base = n * channels * plane
                    for k in 0..<plane {
                        values[base + k] = padding == .zero && !inside[k] ? 0 : intensity[k]
                    }
                    if includeMaskChannel {
                        for k in 0..<plane { values[base + plane + k] = mask[k] }
                    }
                }
            }
        }
        return CropBatch(count: segmentation.nuclei.count, channels: channels, size: size, values: values,
                         labels: segmentation.nuclei.map(\.label))
    }

    /// Percentile normalisation over the pixels that lie inside the image.
    private func normalise(_ crop: inout [Float], inside: [Bool], scratch: inout [Float]) {
        guard case let .percentiles(lowPercent, highPercent) = normalisation else { return }
        scratch.removeAll(keepingCapacity: true)
        for k in crop.indices where inside[k] { scratch.append(crop[k]) }
        guard !scratch.isEmpty else {
            for k in crop.indices { crop[k] = 0 }
            return
        }
        scratch.sort()
        func percentile(_ p: Double) -> Float {
            let position = p / 100 * Double(scratch.count - 1)
            let lower = Int(position.rounded(.down)), upper = min(scratch.count - 1, lower + 1)
            let t = Float(position - Double(lower))
            return scratch[lower] * (1 - t) + scratch[upper] * t
        }
        let lo = percentile(lowPercent), hi = percentile(highPercent)
        guard hi - lo > 0 else {
            for k in crop.indices { crop[k] = 0 }
            return
        }
        let scale = 1 / (hi - lo)
        for k in crop.indices { crop[k] = min(1, max(0, (crop[k] - lo) * scale)) }
    }
}
