import Testing
@testable import Imaging

@Suite struct CropExtractorTests {
    private func scene() throws -> (Image, Segmentation) {
        let nuclei = [Ellipse(cx: 60, cy: 50, a: 10, b: 8, angle: 0.2, brightness: 9_000),
                      Ellipse(cx: 14, cy: 90, a: 9, b: 9, angle: 0, brightness: 12_000),   // near the left edge
                      Ellipse(cx: 140, cy: 100, a: 38, b: 30, angle: 0, brightness: 7_000)]  // large
        let image = TestPlateImage.render(width: 200, height: 160, nuclei: nuclei, seed: 4)
        var settings = SegmentationSettings()
        settings.maximumArea = 10_000
        return (image, try Segmenter(settings: settings).segment(image))
    }

    @Test func shapeLabelsAndRange() throws {
        let (image, segmentation) = try scene()
        #expect(segmentation.count == 3)
        let batch = try CropExtractor(size: 32, includeMaskChannel: true).extract(image: image, segmentation: segmentation)
        #expect(batch.count == 3 && batch.channels == 2 && batch.size == 32)
        #expect(batch.values.count == 3 * 2 * 32 * 32)
        #expect(batch.labels == [1, 2, 3])
        #expect(batch.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        for n in 0..<3 {
            let intensity = Array(batch.values[(n * 2 * 1024)..<(n * 2 * 1024 + 1024)])
            let mask = Array(batch.values[(n * 2 * 1024 + 1024)..<((n + 1) * 2 * 1024)])
            #expect(intensity.max() == 1 && intensity.min() == 0, "crop \(n) spans [0, 1]")
            // The crop centre lies on the nucleus and the mask says so.
            #expect(mask[16 * 32 + 16] == 1)
            #expect(intensity[16 * 32 + 16] > 0.5)
            #expect(mask.contains(0))
        }
        // The large nucleus was shrunk to fit: its mask does not touch the crop border.
        let largeMask = Array(batch.values[(2 * 2 * 1024 + 1024)..<(3 * 2 * 1024)])
        let borderOn = (0..<32).contains { largeMask[$0] == 1 || largeMask[31 * 32 + $0] == 1
            || largeMask[$0 * 32] == 1 || largeMask[$0 * 32 + 31] == 1 }
        #expect(!borderOn)
    }

    @Test func edgePadding() throws {
        let (image, segmentation) = try scene()
        let nearEdge = try #require(segmentation.nuclei.first { $0.centroidX < 30 })
        let index = try #require(segmentation.nuclei.firstIndex(of: nearEdge))
        let zero = try CropExtractor(size: 64, padding: .zero).extract(image: image, segmentation: segmentation)
        let replicate = try CropExtractor(size: 64, padding: .replicate).extract(image: image, segmentation: segmentation)
        let x0 = Int(nearEdge.centroidX.rounded()) - 32  // negative: columns before -x0 lie outside the image
        #expect(x0 < 0)
        let base = index * 4096
        for r in [0, 20, 40, 63] {
            #expect(zero.values[base + r * 64] == 0)
            // Replicated columns repeat the first image column.
            #expect(replicate.values[base + r * 64] == replicate.values[base + r * 64 + (-x0)])
        }
    }

    @Test func rawNormalisationKeepsIntensities() throws {
        let (image, segmentation) = try scene()
        let batch = try CropExtractor(size: 16, normalisation: .none, rescaleLargeNuclei: false)
            .extract(image: image, segmentation: segmentation)
        let first = segmentation.nuclei[0]
        let x = Int(first.centroidX.rounded()), y = Int(first.centroidY.rounded())
        #expect(batch.values[8 * 16 + 8] == image[x, y])
        #expect(throws: ImagingError.self) {
            try CropExtractor(size: 16, normalisation: .percentiles(low: 50, high: 10))
                .extract(image: image, segmentation: segmentation)
        }
    }
}
