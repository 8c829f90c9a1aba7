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

    /// Segments one image. Never fails: an image without nuclei (or without contrast) gives zero nuclei, and
    /// what made the result doubtful (non-finite pixels, no dynamic range) is listed in `warnings`.
    public func segment(_ image: Image) -> Segmentation {
        let width = image.width, height = image.height, n = width * height
        var warnings: [String] = []
        // NaN or infinite pixels (float TIFFs) would poison the smoothing: they are masked as background (set to
        // the darkest finite value, left out of the threshold) and reported, never silently turned into nuclei.
        var pixels = image.pixels
        let statistics = image.statistics
        if statistics.finiteCount < n {
            let floor = statistics.finiteCount > 0 ? statistics.minimum : 0
            pixels.withUnsafeMutableBufferPointer { p in
                for i in 0..<p.count where !p[i].isFinite { p[i] = floor }
            }
            warnings.append(statistics.finiteCount == 0
                ? "every pixel is NaN or infinite: no nuclei can be found"
                : "\(n - statistics.finiteCount) of \(n) pixels are NaN or infinite: treated as background")
        }
        // A few extreme (hot or dead) pixels are clipped to the range of the others before smoothing: one hot
        // pixel of 4·10⁹ in a uint32 or float image would otherwise squeeze every real intensity into one
        // histogram bin (no nuclei found), and its smoothed halo would look like a nucleus.
        let range = IntensityHistogram(robust: pixels)
        var clipped = pixels
        if range.isNarrowed {
            let lo = range.low, hi = range.high
            clipped.withUnsafeMutableBufferPointer { p in
                for i in 0..<p.count { p[i] = min(max(p[i], lo), hi) }
            }
        }
        let smoothed = GaussianFilter.smooth(clipped, width: width, height: height, sigma: settings.smoothingSigma)

        // Threshold.
        let histogram = IntensityHistogram(smoothed)
        if statistics.finiteCount > 0 && range.occupiedBins < 8 {
            warnings.append("the image has almost no dynamic range (\(range.occupiedBins) distinct levels "
                            + "between its extreme values): nuclei cannot be told from background")
        }
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
        var diameter = settings.typicalDiameter
        var distance: [Float]?
        if !lacksContrast && n > 0 {
            binarise(smoothed, above: threshold, into: &mask)
            if settings.localThresholdTiles > 0 {
                let first = DistanceTransform.euclidean(mask: mask, width: width, height: height)
                let tile = settings.localThresholdTiles * (diameter ?? estimateDiameter(mask, first, width, height) ?? 20)
                let local = LocalThreshold(smoothed: smoothed, width: width, height: height,
                                           tileSize: max(16, Int(tile.rounded())), global: threshold,
                                           settings: settings)
                local.binarise(smoothed, width: width, height: height, into: &mask)
            }
            if settings.fillHoles {
                BinaryMorphology.fillHoles(&mask, width: width, height: height,
                                           objectConnectivity: settings.connectivity)
            }
            let edt = DistanceTransform.euclidean(mask: mask, width: width, height: height)
            if diameter == nil { diameter = estimateDiameter(mask, edt, width, height) }
            distance = edt
        }

        // Objects.
        var labels: [Int32]
        var labelCount: Int
        let typical = diameter ?? 20
        if settings.declump {
            let surfaces = DeclumpSurfaces(mask: mask, distance: distance ?? [Float](repeating: 0, count: n),
                                           smoothed: smoothed, threshold: threshold, width: width, height: height,
                                           diameter: typical, settings: settings)
            let spacing = max(settings.minimumSeedDistance, settings.seedSpacing * typical)
            // The peak test looks at half the spacing (never less than the fixed minimum): a small nucleus
            // beside a big one is a peak of its own, and the merge test below judges the pair by distance
            // and by how deep the neck is.
            let window = max(settings.minimumSeedDistance, settings.seedSpacing * typical / 2)
            labels = Watershed.split(mask: mask, depth: surfaces.seeds, flood: surfaces.flood, width: width,
                                     height: height, connectivity: settings.connectivity,
                                     dynamic: Float(settings.seedDynamic), minimumDistance: Float(spacing),
                                     peakWindow: Float(window))
            labelCount = 0
            labels.withUnsafeBufferPointer { l in for v in l where Int(v) > labelCount { labelCount = Int(v) } }
        } else {
            (labels, labelCount) = ConnectedComponents.label(mask: mask, width: width, height: height,
                                                             connectivity: settings.connectivity)
        }
        var maximumArea = settings.maximumArea
        if settings.maximumAreaTypicalMultiple > 0, let diameter {
            let typicalArea = Double.pi * diameter * diameter / 4
            maximumArea = max(maximumArea, Int(min(Double(Int32.max), settings.maximumAreaTypicalMultiple * typicalArea)))
        }

        // Filters and deterministic numbering.
        let objects = LabelStatistics(labels: labels, labelCount: labelCount, width: width, height: height,
                                      intensities: nil)
        var kept: [(old: Int, cy: Double, cx: Double)] = []
        var objectsFound = 0
        for k in 1..<(labelCount + 1) where objects.area[k] > 0 {
            objectsFound += 1
            let area = objects.area[k]
            if area < settings.minimumArea || area > maximumArea { continue }
            if settings.removeBorderObjects && (objects.minX[k] == 0 || objects.minY[k] == 0
                || objects.maxX[k] == width - 1 || objects.maxY[k] == height - 1) { continue }
            kept.append((k, objects.sumY[k] / Double(area), objects.sumX[k] / Double(area)))
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
                             previous: objects, order: kept.map(\.old))
        return Segmentation(width: width, height: height, labels: labels, nuclei: nuclei, thresholdUsed: threshold,
                            thresholdComputed: computed, foregroundContrast: contrast,
                            objectsBeforeFiltering: objectsFound, settings: settings, typicalDiameter: diameter,
                            maximumAreaUsed: maximumArea, warnings: warnings)
    }

    private func estimateDiameter(_ mask: [UInt8], _ distance: [Float], _ width: Int, _ height: Int) -> Double? {
        NucleusDiameter.estimate(mask: mask, distance: distance, width: width, height: height,
                                 connectivity: settings.connectivity, minimumArea: settings.minimumArea)
    }

    private func binarise(_ smoothed: [Float], above threshold: Float, into mask: inout [UInt8]) {
        let n = mask.count
        smoothed.withUnsafeBufferPointer { s in
            mask.withUnsafeMutableBufferPointer { m in
                for i in 0..<n { m[i] = s[i] > threshold ? 1 : 0 }
            }
        }
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
