import Foundation
import Testing
@testable import Imaging

/// Clumps of three to six touching nuclei with necks, neighbours of very different brightness, and the choices
/// the declumping offers (seeds from shape, intensity or both; dividing lines; typical diameter).
@Suite struct DeclumpingTests {
    private func centroids(_ s: Segmentation) -> [(Double, Double)] { s.nuclei.map { ($0.centroidX, $0.centroidY) } }

    /// Detection F1 where a found nucleus matches a true one when its centroid lies inside the true ellipse (one
    /// to one, nearest centre first): in a clump the dividing line moves a centroid a few pixels, not out of
    /// its nucleus.
    private func insideF1(_ s: Segmentation, _ truth: [Ellipse]) -> Double {
        var pairs: [(Double, Int, Int)] = []
        for (i, n) in s.nuclei.enumerated() {
            for (j, e) in truth.enumerated() where e.contains(n.centroidX, n.centroidY) {
                pairs.append((hypot(n.centroidX - e.cx, n.centroidY - e.cy), i, j))
            }
        }
        pairs.sort { $0.0 < $1.0 }
        var usedF = Set<Int>(), usedT = Set<Int>()
        for (_, i, j) in pairs where !usedF.contains(i) && !usedT.contains(j) { usedF.insert(i); usedT.insert(j) }
        return 2 * Double(usedF.count) / Double(max(1, s.count + truth.count))
    }

    /// `count` clumps of 3–6 nuclei, each new nucleus touching one of its clump with its centre at `contact` of
    /// the sum of the two radii (0.8–0.9: a visible neck), on a grid so clumps do not touch each other.
    static func clumps(count: Int, seed: UInt64, contact: ClosedRange<Double> = 0.8...0.9,
                       brightnessRange: ClosedRange<Double> = 4_000...20_000) -> (image: Image, nuclei: [Ellipse]) {
        var rng = SplitMix64(state: seed)
        var nuclei: [Ellipse] = []
        let cell = 110, columns = 5
        let rows = (count + columns - 1) / columns
        for index in 0..<count {
            let ox = Double(index % columns * cell + cell / 2), oy = Double(index / columns * cell + cell / 2)
            let size = 3 + Int(rng.next() % 4)
            var clump: [Ellipse] = []
            var attempts = 0
            while clump.count < size && attempts < 500 {
                attempts += 1
                let r = rng.uniform(8, 13)
                var cx = ox, cy = oy
                if let anchor = clump.isEmpty ? nil : clump[Int(rng.next() % UInt64(clump.count))] {
                    let angle = rng.uniform(0, 2 * .pi)
                    let d = (anchor.a + r) * rng.uniform(contact.lowerBound, contact.upperBound)
                    cx = anchor.cx + d * cos(angle); cy = anchor.cy + d * sin(angle)
                }
                if abs(cx - ox) > Double(cell) / 2 - r - 3 || abs(cy - oy) > Double(cell) / 2 - r - 3 { continue }
                if clump.contains(where: { hypot($0.cx - cx, $0.cy - cy) < ($0.a + r) * contact.lowerBound }) { continue }
                clump.append(Ellipse(cx: cx, cy: cy, a: r, b: r * rng.uniform(0.85, 1), angle: rng.uniform(0, .pi),
                                     brightness: rng.uniform(brightnessRange.lowerBound, brightnessRange.upperBound)))
            }
            nuclei += clump
        }
        let image = renderMax(width: columns * cell, height: rows * cell, nuclei: nuclei, seed: seed &+ 1)
        return (image, nuclei)
    }

    /// Like `TestPlateImage.render`, but where nuclei overlap the brighter one shows (as in a projection), so a
    /// neck between two nuclei is not a bright ridge of summed stain.
    static func renderMax(width: Int, height: Int, nuclei: [Ellipse], seed: UInt64) -> Image {
        var rng = SplitMix64(state: seed)
        var signal = [Double](repeating: 0, count: width * height)
        for e in nuclei {
            let r = Int(max(e.a, e.b).rounded(.up)) + 1
            for y in max(0, Int(e.cy) - r)...min(height - 1, Int(e.cy) + r) {
                for x in max(0, Int(e.cx) - r)...min(width - 1, Int(e.cx) + r) where e.contains(Double(x), Double(y)) {
                    signal[y * width + x] = max(signal[y * width + x], e.brightness * (0.85 + 0.3 * rng.uniform()))
                }
            }
        }
        let blurred = GaussianFilter.smooth(signal.map(Float.init), width: width, height: height, sigma: 1)
        var pixels = [Float](repeating: 0, count: width * height)
        for i in pixels.indices {
            pixels[i] = Float(min(65_535, max(0, (600 + Double(blurred[i]) + 80 * rng.gaussian()).rounded())))
        }
        return Image(width: width, height: height, pixels: pixels)
    }

    @Test func clumpsOfThreeToSixAreSplitWithDefaults() throws {
        var matched = 0.0, found = 0, truth = 0
        for seed: UInt64 in [1, 2, 3] {
            let (image, nuclei) = Self.clumps(count: 10, seed: seed)
            let result = try Segmenter().segment(image)
            matched += insideF1(result, nuclei) * Double(result.count + nuclei.count) / 2
            found += result.count
            truth += nuclei.count
        }
        let f1 = 2 * matched / Double(found + truth)
        // Measured 0.89 (issue 9 asks 0.95: not reached; flat nuclei of different brightness pressed together
        // still merge). The bound guards against going back.
        #expect(f1 >= 0.87, "F1 \(f1): \(found) found, \(truth) true")
    }

    @Test func theDiameterAwareDefaultsSplitAtLeastAsWellAsTheFixedOnes() throws {
        // Tighter clumps (centres at 0.75–0.85 of the radii sum): the new defaults must not lose to the old.
        let (image, nuclei) = Self.clumps(count: 10, seed: 4, contact: 0.75...0.85)
        var legacy = SegmentationSettings()
        legacy.seedMethod = .shape
        legacy.seedSpacing = 0
        legacy.maximumAreaTypicalMultiple = 0
        let old = insideF1(try Segmenter(settings: legacy).segment(image), nuclei)
        let new = insideF1(try Segmenter().segment(image), nuclei)
        #expect(new >= 0.8 && new >= old, "defaults \(new), fixed spacing \(old)")
    }

    @Test func neighboursOfVeryDifferentBrightnessAreBothFound() throws {
        var nuclei: [Ellipse] = []
        for (i, ratio) in [4.0, 8.0, 12.0].enumerated() {
            let cx = 60 + Double(i) * 110
            nuclei.append(Ellipse(cx: cx - 10, cy: 60, a: 11, b: 11, angle: 0, brightness: 30_000))
            nuclei.append(Ellipse(cx: cx + 11, cy: 62, a: 11, b: 10, angle: 0, brightness: 30_000 / ratio))
        }
        let image = Self.renderMax(width: 340, height: 120, nuclei: nuclei, seed: 8)
        let result = try Segmenter().segment(image)
        let f1 = detectionF1(found: centroids(result), truth: nuclei.map { ($0.cx, $0.cy) }, radius: 4)
        #expect(result.count == nuclei.count && f1 >= 0.95, "found \(result.count) of \(nuclei.count), F1 \(f1)")
    }

    @Test(arguments: SegmentationSettings.SeedMethod.allCases)
    func everySeedMethodAndDividingLineFindsScatteredNucleiDeterministically(
        method: SegmentationSettings.SeedMethod
    ) throws {
        let plate = TestPlateImage.scattered(width: 300, height: 300, count: 25, seed: 23)
        var settings = SegmentationSettings()
        settings.seedMethod = method
        for lines in SegmentationSettings.DividingLines.allCases {
            settings.dividingLines = lines
            let result = try Segmenter(settings: settings).segment(plate.image)
            let f1 = detectionF1(found: centroids(result), truth: plate.nuclei.map { ($0.cx, $0.cy) })
            #expect(f1 >= 0.95, "\(method)/\(lines): F1 \(f1)")
            #expect(try Segmenter(settings: settings).segment(plate.image) == result, "\(method)/\(lines) not deterministic")
        }
    }

    @Test(arguments: [SegmentationSettings.DividingLines.seeds, .shape])
    func shapeSeedsSplitNeckedPairs(lines: SegmentationSettings.DividingLines) throws {
        // Pairs of flat nuclei with a clear neck. (Intensity seeds cannot split flat nuclei: no bright centre.)
        var nuclei: [Ellipse] = []
        for i in 0..<8 {
            let cx = 50 + Double(i % 4) * 100, cy = 50 + Double(i / 4) * 100, r = 10 + Double(i % 3) * 2
            nuclei.append(Ellipse(cx: cx - r * 0.85, cy: cy, a: r, b: r, angle: 0, brightness: 12_000))
            nuclei.append(Ellipse(cx: cx + r * 0.85, cy: cy + 1, a: r, b: r * 0.9, angle: 0.2, brightness: 10_000))
        }
        let image = Self.renderMax(width: 400, height: 200, nuclei: nuclei, seed: 6)
        var settings = SegmentationSettings()
        settings.dividingLines = lines
        let result = try Segmenter(settings: settings).segment(image)
        #expect(insideF1(result, nuclei) >= 0.95, "\(lines): \(result.count) of \(nuclei.count)")
    }

    @Test func typicalDiameterIsEstimatedFromTheImage() throws {
        // Nuclei of radius 6–17 px in the scattered test plate: the median diameter lies in 12–34 px.
        let plate = TestPlateImage.scattered()
        let result = try Segmenter().segment(plate.image)
        let estimate = try #require(result.typicalDiameter)
        var diameters = plate.nuclei.map { 2 * ($0.a * $0.b).squareRoot() }
        diameters.sort()
        let median = diameters[diameters.count / 2]
        #expect(abs(estimate - median) / median < 0.2, "estimated \(estimate), true median \(median)")
        // A given diameter is used as given.
        var settings = SegmentationSettings()
        settings.typicalDiameter = 25
        #expect(try Segmenter(settings: settings).segment(plate.image).typicalDiameter == 25)
    }

    @Test func largeNucleiAreKeptAtHighMagnification() throws {
        // Nuclei of ~90 px diameter (6,400 px area): above the fixed 4,000 px limit, kept by the typical-size rule.
        let nuclei = [Ellipse(cx: 70, cy: 70, a: 46, b: 44, angle: 0, brightness: 10_000),
                      Ellipse(cx: 190, cy: 80, a: 44, b: 40, angle: 0.5, brightness: 14_000)]
        let image = TestPlateImage.render(width: 260, height: 160, nuclei: nuclei, seed: 12)
        #expect(try Segmenter().segment(image).count == 2)
        var strict = SegmentationSettings()
        strict.maximumAreaTypicalMultiple = 0
        #expect(try Segmenter(settings: strict).segment(image).count == 0)
    }

    @Test func localThresholdFindsNucleiInADimCorner() throws {
        // Illumination falls twenty-fold across the field: one global threshold loses the dim side.
        var nuclei: [Ellipse] = []
        for row in 0..<4 {
            for column in 0..<8 {
                nuclei.append(Ellipse(cx: 30 + Double(column) * 60, cy: 30 + Double(row) * 60, a: 10, b: 9,
                                      angle: 0, brightness: 1))
            }
        }
        var rng = SplitMix64(state: 31)
        let width = 500, height = 250
        var pixels = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let gain = 0.05 + 0.95 * Double(x) / Double(width)
                let inside = nuclei.contains { $0.contains(Double(x), Double(y)) }
                pixels[y * width + x] = Float(gain * (2_000 + (inside ? 12_000 : 0)) + 30 * rng.gaussian())
            }
        }
        let image = Image(width: width, height: height, pixels: pixels)
        let truth = nuclei.map { ($0.cx, $0.cy) }
        var settings = SegmentationSettings()
        settings.localThresholdTiles = 4
        let local = detectionF1(found: centroids(try Segmenter(settings: settings).segment(image)), truth: truth)
        #expect(local >= 0.95, "local threshold F1 \(local)")
    }

    @Test func settingsFromAnOlderVersionKeepTheOlderDeclumping() throws {
        let old = try JSONDecoder().decode(SegmentationSettings.self, from: Data(#"{"seedDynamic": 0.25}"#.utf8))
        #expect(old.seedMethod == .shape && old.seedSpacing == 0 && old.maximumAreaTypicalMultiple == 0)
        var settings = SegmentationSettings()
        settings.typicalDiameter = 30
        settings.localThresholdTiles = 6
        settings.dividingLines = .intensity
        let data = try JSONEncoder().encode(settings)
        #expect(try JSONDecoder().decode(SegmentationSettings.self, from: data) == settings)
        settings.typicalDiameter = 1
        #expect(throws: ImagingError.self) { try Segmenter(settings: settings) }
    }
}
