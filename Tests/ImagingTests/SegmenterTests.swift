import Foundation
import Testing
@testable import Imaging

@Suite struct SegmenterTests {
    private func centroids(_ s: Segmentation) -> [(Double, Double)] { s.nuclei.map { ($0.centroidX, $0.centroidY) } }

    @Test(arguments: [SegmentationSettings.ThresholdMethod.otsu, .li])
    func findsScatteredNucleiWithDefaults(method: SegmentationSettings.ThresholdMethod) throws {
        let plate = TestPlateImage.scattered()
        var settings = SegmentationSettings()
        settings.thresholdMethod = method
        let result = try Segmenter(settings: settings).segment(plate.image)
        let f1 = detectionF1(found: centroids(result), truth: plate.nuclei.map { ($0.cx, $0.cy) })
        #expect(f1 >= 0.95, "F1 \(f1): \(result.count) found, \(plate.nuclei.count) true, threshold \(result.thresholdUsed)")
        #expect(abs(result.count - plate.nuclei.count) <= 2)
        // Otsu areas: equivalent radius within 1.5 px of the ellipse's (smoothing blurs small nuclei outward).
        guard method == .otsu else { return }
        for nucleus in result.nuclei {
            guard let e = plate.nuclei.min(by: {
                hypot($0.cx - nucleus.centroidX, $0.cy - nucleus.centroidY)
                    < hypot($1.cx - nucleus.centroidX, $1.cy - nucleus.centroidY)
            }) else { continue }
            let radius = (Double(nucleus.area) / Double.pi).squareRoot()
            #expect(abs(radius - (e.a * e.b).squareRoot()) < 1.5, "radius \(radius) vs \((e.a * e.b).squareRoot())")
        }
    }

    @Test func touchingPairsAreSplit() throws {
        var nuclei: [Ellipse] = []
        var expectedCentres: [(Double, Double)] = []
        // Overlap as a fraction of the diameter; 30 % on 9-px radii leaves no neck after blurring, so not asked.
        for (row, r) in [(0, 9.0), (1, 12.0), (2, 15.0)].map({ ($0.0, $0.1) }) {
            for (column, overlap) in [0.15, 0.25, r < 10 ? 0.2 : 0.3].enumerated() {
                let cx = 60 + Double(column) * 110, cy = 60 + Double(row) * 100
                let separation = 2 * r * (1 - overlap)
                nuclei.append(Ellipse(cx: cx - separation / 2, cy: cy, a: r, b: r, angle: 0, brightness: 10_000))
                nuclei.append(Ellipse(cx: cx + separation / 2, cy: cy + 0.3, a: r, b: r * 0.9, angle: 0.3,
                                      brightness: 12_000))
                expectedCentres += [(cx - separation / 2, cy), (cx + separation / 2, cy + 0.3)]
            }
        }
        let image = TestPlateImage.render(width: 380, height: 320, nuclei: nuclei, seed: 3)
        let result = try Segmenter().segment(image)
        #expect(result.count == nuclei.count, "found \(result.count) of \(nuclei.count)")
        let f1 = detectionF1(found: centroids(result), truth: expectedCentres, radius: 4)
        #expect(f1 >= 0.95, "F1 \(f1)")
    }

    @Test func elongatedNucleusIsNotSplit() throws {
        let nuclei = [Ellipse(cx: 60, cy: 60, a: 19, b: 8, angle: 0.4, brightness: 9_000),
                      Ellipse(cx: 140, cy: 70, a: 16, b: 11, angle: 1.2, brightness: 15_000)]
        let result = try Segmenter().segment(TestPlateImage.render(width: 200, height: 130, nuclei: nuclei, seed: 9))
        #expect(result.count == 2)
        #expect(result.nuclei.first.map { $0.eccentricity > 0.8 } == true)
    }

    @Test func emptyImageHasNoNuclei() throws {
        let image = TestPlateImage.render(width: 256, height: 256, nuclei: [], seed: 11)
        for method in SegmentationSettings.ThresholdMethod.allCases where method != .manual {
            var settings = SegmentationSettings()
            settings.thresholdMethod = method
            let result = try Segmenter(settings: settings).segment(image)
            #expect(result.count == 0, "\(method): \(result.count) nuclei on an empty image")
            #expect(result.labels.allSatisfy { $0 == 0 })
        }
        #expect(try Segmenter().segment(Image(width: 64, height: 64, repeating: 0)).count == 0)
    }

    @Test func saturatedImageDoesNotCrash() throws {
        let flat = try Segmenter().segment(Image(width: 128, height: 128, repeating: 65_535))
        #expect(flat.count == 0)
        // Nuclei clipped at the top of the range are still found, with their plateau as the maximum.
        let nuclei = [Ellipse(cx: 40, cy: 40, a: 12, b: 12, angle: 0, brightness: 90_000),
                      Ellipse(cx: 90, cy: 80, a: 10, b: 8, angle: 0, brightness: 90_000)]
        let image = TestPlateImage.render(width: 128, height: 128, nuclei: nuclei, seed: 5)
        let result = try Segmenter().segment(image)
        #expect(result.count == 2)
        #expect(result.nuclei.allSatisfy { $0.intensity.maximum == 65_535 })
    }

    @Test func sameInputGivesIdenticalLabels() throws {
        let plate = TestPlateImage.scattered(width: 300, height: 300, count: 30, seed: 21)
        let a = try Segmenter().segment(plate.image)
        let b = try Segmenter().segment(plate.image)
        #expect(a == b)
        // Labels follow the raster order of centroids.
        let rows = a.nuclei.map { $0.centroidY.rounded(.down) }
        #expect(rows == rows.sorted())
        #expect(a.nuclei.map(\.label) == Array(1...a.count))
    }

    @Test func filtersAndManualThresholdAreApplied() throws {
        let nuclei = [Ellipse(cx: 3, cy: 50, a: 10, b: 10, angle: 0, brightness: 10_000),   // touches the edge
                      Ellipse(cx: 60, cy: 50, a: 2, b: 2, angle: 0, brightness: 10_000),   // debris
                      Ellipse(cx: 100, cy: 50, a: 10, b: 10, angle: 0, brightness: 10_000)]
        let image = TestPlateImage.render(width: 140, height: 100, nuclei: nuclei, seed: 2)
        let defaults = try Segmenter().segment(image)
        #expect(defaults.count == 1)
        #expect(defaults.objectsBeforeFiltering == 3)
        var settings = SegmentationSettings()
        settings.removeBorderObjects = false
        settings.minimumArea = 10
        settings.thresholdMethod = .manual
        settings.manualThreshold = 3_000
        settings.thresholdCorrection = 1.5
        let kept = try Segmenter(settings: settings).segment(image)
        #expect(kept.count == 3)
        #expect(kept.thresholdUsed == 4_500)
        settings.thresholdUpperBound = 4_000
        #expect(try Segmenter(settings: settings).segment(image).thresholdUsed == 4_000)
        settings.manualThreshold = nil
        #expect(throws: ImagingError.self) { try Segmenter(settings: settings) }
    }

    @Test func featuresOfADisc() throws {
        var pixels = [Float](repeating: 100, count: 100 * 100)
        for y in 0..<100 {
            for x in 0..<100 where hypot(Double(x) - 50, Double(y) - 40) <= 15 {
                // Brighter rim: a marginated nucleus.
                pixels[y * 100 + x] = hypot(Double(x) - 50, Double(y) - 40) > 10 ? 20_000 : 8_000
            }
        }
        let image = Image(width: 100, height: 100, pixels: pixels)
        var settings = SegmentationSettings()
        settings.thresholdMethod = .manual
        settings.manualThreshold = 10_050
        let result = try Segmenter(settings: settings).segment(image)
        let disc = try #require(result.nuclei.first)
        #expect(result.count == 1)
        #expect(abs(disc.centroidX - 50) < 0.1 && abs(disc.centroidY - 40) < 0.1)
        #expect(abs(Double(disc.area) - Double.pi * 225) / (Double.pi * 225) < 0.05)
        #expect(abs(disc.perimeter - 2 * Double.pi * 15) / (2 * Double.pi * 15) < 0.06, "\(disc.perimeter)")
        #expect(disc.eccentricity < 0.2)
        #expect(disc.solidity > 0.95 && disc.solidity <= 1)
        #expect(disc.rimToCentreRatio > 1.5)
        #expect(abs(disc.boundingBox.width - 31) <= 2 && abs(disc.boundingBox.x + disc.boundingBox.width / 2 - 50) <= 1)

        var reporter = Image(width: 100, height: 100, repeating: 7)
        reporter[50, 40] = 1_007
        let measured = try Segmenter.measure(channel: reporter, in: result)
        #expect(measured.count == 1)
        #expect(measured[0].maximum == 1_007 && measured[0].minimum == 7)
        #expect(abs(measured[0].integrated - Double(7 * disc.area + 1_000)) < 1e-6)
        #expect(throws: ImagingError.self) { try Segmenter.measure(channel: Image(width: 5, height: 5), in: result) }
    }

    @Test func settingsRoundTripThroughJSONAndTolerateMissingKeys() throws {
        var settings = SegmentationSettings()
        settings.thresholdMethod = .li
        settings.minimumArea = 12
        let data = try JSONEncoder().encode(settings)
        #expect(try JSONDecoder().decode(SegmentationSettings.self, from: data) == settings)
        let partial = try JSONDecoder().decode(SegmentationSettings.self, from: Data(#"{"minimumArea": 12}"#.utf8))
        #expect(partial.minimumArea == 12 && partial.thresholdMethod == .otsu)
    }
}
