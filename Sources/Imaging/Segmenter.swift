import Foundation

/// Finds nuclei in a nuclear-stain image: smooth → threshold (Otsu, Li or manual) → fill holes → split touching
/// nuclei (distance transform + seeded watershed) → drop border-touching and out-of-size objects → number them
/// in raster order of their centroids → measure. Deterministic: the same image and settings give the same labels.
public struct Segmenter: Sendable {
    public let settings: SegmentationSettings

    /// - Throws: `ImagingError.invalidArgument` when the settings cannot work (see `SegmentationSettings.problem`).
    public init(settings: SegmentationSettings = SegmentationSettings()) throws {
        if let problem = settings.problem { throw ImagingError.invalidArgument(problem) }
        self.settings = settings
    }

    /// Segments one image. Never fails: an image without nuclei (or without contrast) gives zero nuclei.
    public func segment(_ image: Image) -> Segmentation {
        let width = image.width, height = image.height, n = width * height
        // NaN or infinite pixels (float TIFFs) would poison the smoothing; treat them as the darkest finite value.
        var pixels = image.pixels
        if pixels.contains(where: { !$0.isFinite }) {
            let floor = image.statistics.minimum
            pixels.withUnsafeMutableBufferPointer { p in
                for i in 0..<p.count where !p[i].isFinite { p[i] = floor }
            }
        }
        let smoothed = GaussianFilter.smooth(pixels, width: width, height: height, sigma: settings.smoothingSigma)

        // Threshold.
        let histogram = IntensityHistogram(smoothed)
        let computed: Float
        switch settings.thresholdMethod {
        case .otsu: computed = histogram.otsu(logarithmic: settings.logTransformBeforeOtsu)
        case .li: computed = histogram.li()
        case .manual: computed = settings.manualThreshold ?? 0
        }
        var threshold = computed * settings.thresholdCorrection
        if let lo = settings.thresholdLowerBound { threshold = max(threshold, lo) }
        if let hi = settings.thresholdUpperBound { threshold = min(threshold, hi) }
        let contrast = histogram.contrast(at: threshold)
        let lacksContrast = settings.thresholdMethod != .manual && contrast < settings.minimumContrast

        var mask = [UInt8](repeating: 0, count: n)
        if !lacksContrast && n > 0 {
            smoothed.withUnsafeBufferPointer { s in
                mask.withUnsafeMutableBufferPointer { m in
                    for i in 0..<n { m[i] = s[i] > threshold ? 1 : 0 }
                }
            }
            if settings.fillHoles {
                BinaryMorphology.fillHoles(&mask, width: width, height: height,
                                           objectConnectivity: settings.connectivity)
            }
        }

        // Objects.
        var labels: [Int32]
        var labelCount: Int
        if settings.declump {
            let distance = DistanceTransform.euclidean(mask: mask, width: width, height: height)
            let depth = GaussianFilter.smooth(distance, width: width, height: height,
                                              sigma: settings.distanceSmoothingSigma)
            labels = Watershed.split(mask: mask, depth: depth, width: width, height: height,
                                     connectivity: settings.connectivity, dynamic: Float(settings.seedDynamic),
                                     minimumDistance: Float(settings.minimumSeedDistance))
            labelCount = 0
            labels.withUnsafeBufferPointer { l in for v in l where Int(v) > labelCount { labelCount = Int(v) } }
        } else {
            (labels, labelCount) = ConnectedComponents.label(mask: mask, width: width, height: height,
                                                             connectivity: settings.connectivity)
        }

        // Filters and deterministic numbering.
        let statistics = LabelStatistics(labels: labels, labelCount: labelCount, width: width, height: height,
                                         intensities: nil)
        var kept: [(old: Int, cy: Double, cx: Double)] = []
        var objectsFound = 0
        for k in 1..<(labelCount + 1) where statistics.area[k] > 0 {
            objectsFound += 1
            let area = statistics.area[k]
            if area < settings.minimumArea || area > settings.maximumArea { continue }
            if settings.removeBorderObjects && (statistics.minX[k] == 0 || statistics.minY[k] == 0
                || statistics.maxX[k] == width - 1 || statistics.maxY[k] == height - 1) { continue }
            kept.append((k, statistics.sumY[k] / Double(area), statistics.sumX[k] / Double(area)))
        }
        kept.sort { a, b in
            let ra = a.cy.rounded(.down), rb = b.cy.rounded(.down)
            if ra != rb { return ra < rb }
            if a.cx != b.cx { return a.cx < b.cx }
            return a.cy < b.cy
        }
        var renumber = [Int32](repeating: 0, count: labelCount + 1)
        for (index, entry) in kept.enumerated() { renumber[entry.old] = Int32(index + 1) }
        labels.withUnsafeMutableBufferPointer { l in
            renumber.withUnsafeBufferPointer { r in
                for i in 0..<n where l[i] != 0 { l[i] = r[Int(l[i])] }
            }
        }
        let nuclei = measure(labels: labels, count: kept.count, image: image, pixels: pixels,
                             previous: statistics, order: kept.map(\.old))
        return Segmentation(width: width, height: height, labels: labels, nuclei: nuclei, thresholdUsed: threshold,
                            thresholdComputed: computed, foregroundContrast: contrast,
                            objectsBeforeFiltering: objectsFound, settings: settings)
    }

    /// Shape and intensity features of the final nuclei. `previous` holds the geometry accumulated under the old
    /// label numbers, `order[k - 1]` the old number of new label k.
    private func measure(labels: [Int32], count: Int, image: Image, pixels: [Float], previous: LabelStatistics,
                         order: [Int]) -> [NucleusFeatures] {
        guard count > 0 else { return [] }
        let width = image.width, height = image.height
        var intensities = LabelStatistics(labels: [], labelCount: count, width: 0, height: 0, intensities: nil)
        intensities.accumulateIntensities(labels: labels, intensities: pixels)

        var nuclei: [NucleusFeatures] = []
        nuclei.reserveCapacity(count)
        labels.withUnsafeBufferPointer { l in
                pixels.withUnsafeBufferPointer { v in
                    for label in 1...count {
                        let old = order[label - 1]
                        let area = previous.area[old]
                        let a = Double(area)
                        let cx = previous.sumX[old] / a, cy = previous.sumY[old] / a
                        let muXX = previous.sumXX[old] / a - cx * cx
                        let muYY = previous.sumYY[old] / a - cy * cy
                        let muXY = previous.sumXY[old] / a - cx * cy
                        let mean = (muXX + muYY) / 2
                        let spread = (((muXX - muYY) / 2) * ((muXX - muYY) / 2) + muXY * muXY).squareRoot()
                        let major = max(0, mean + spread), minor = max(0, mean - spread)
                        let eccentricity = major > 0 ? (1 - minor / major).squareRoot() : 0
                        let box = BoundingBox(x: previous.minX[old], y: previous.minY[old],
                                              width: previous.maxX[old] - previous.minX[old] + 1,
                                              height: previous.maxY[old] - previous.minY[old] + 1)
                        let tag = Int32(label)
                        let perimeter = ShapeMeasurement.perimeter(labels: l, width: width, height: height,
                                                                   label: tag, box: box)
                        let hull = ShapeMeasurement.convexHullPixelArea(labels: l, width: width, label: tag, box: box)
                        // Rim versus centre: depth is the distance to the nearest pixel that is not this nucleus
                        // (background or a touching neighbour), computed in the bounding box plus a margin.
                        let bw = box.width + 2, bh = box.height + 2
                        var local = [UInt8](repeating: 0, count: bw * bh)
                        for y in 0..<box.height {
                            let source = (box.y + y) * width + box.x
                            for x in 0..<box.width where l[source + x] == tag { local[(y + 1) * bw + x + 1] = 1 }
                        }
                        let depth = DistanceTransform.euclidean(mask: local, width: bw, height: bh)
                        var deepest: Float = 0
                        for k in 0..<depth.count where local[k] != 0 { deepest = max(deepest, depth[k]) }
                        let cut = deepest * Float(settings.rimFraction)
                        var rimSum = 0.0, rimCount = 0.0, centreSum = 0.0, centreCount = 0.0
                        for y in 0..<box.height {
                            let source = (box.y + y) * width + box.x
                            for x in 0..<box.width where l[source + x] == tag {
                                let value = Double(v[source + x])
                                if depth[(y + 1) * bw + x + 1] < cut { rimSum += value; rimCount += 1 } else {
                                    centreSum += value; centreCount += 1
                                }
                            }
                        }
                        var ratio = 1.0
                        if rimCount > 0, centreCount > 0, centreSum > 0 {
                            ratio = (rimSum / rimCount) / (centreSum / centreCount)
                        }
                        nuclei.append(NucleusFeatures(
                            label: label, centroidX: cx, centroidY: cy, boundingBox: box, area: area,
                            perimeter: perimeter, eccentricity: eccentricity,
                            majorAxisLength: 4 * major.squareRoot(), minorAxisLength: 4 * minor.squareRoot(),
                            solidity: hull > 0 ? min(1, a / hull) : 1,
                            intensity: intensities.intensity(label, label: label), rimToCentreRatio: ratio))
                    }
                }
        }
        return nuclei
    }
}
