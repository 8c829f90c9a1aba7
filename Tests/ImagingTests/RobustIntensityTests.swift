import Foundation
import Testing
@testable import Imaging

/// Issue 13 item 6: extreme pixels and non-finite values must not silently make segmentation find nothing.
@Suite struct RobustIntensityTests {
    private func centroids(_ s: Segmentation) -> [(Double, Double)] { s.nuclei.map { ($0.centroidX, $0.centroidY) } }

    @Test(arguments: [Float(4_000_000_000), 3.0e38])
    func oneHotPixelDoesNotHideTheNuclei(hot: Float) throws {
        let plate = TestPlateImage.scattered(width: 300, height: 300, count: 25, seed: 17)
        var image = plate.image
        image[150, 3] = hot  // a uint32 or float32 camera's hot pixel, away from the nuclei
        let result = try Segmenter().segment(image)
        let f1 = detectionF1(found: centroids(result), truth: plate.nuclei.map { ($0.cx, $0.cy) })
        #expect(f1 >= 0.95, "F1 \(f1) with one pixel at \(hot): \(result.count) of \(plate.nuclei.count)")
        #expect(result.warnings.isEmpty)
    }

    @Test func oneDeadPixelDoesNotHideTheNuclei() throws {
        let plate = TestPlateImage.scattered(width: 300, height: 300, count: 25, seed: 18)
        var image = plate.image
        image[4, 150] = -3.0e9
        let result = try Segmenter().segment(image)
        let f1 = detectionF1(found: centroids(result), truth: plate.nuclei.map { ($0.cx, $0.cy) })
        #expect(f1 >= 0.95, "F1 \(f1)")
    }

    @Test func nanPixelsAreMaskedAndReported() throws {
        let plate = TestPlateImage.scattered(width: 300, height: 300, count: 25, seed: 19)
        var image = plate.image
        for y in 0..<20 { for x in 0..<300 { image[x, y] = .nan } }
        image[200, 200] = .infinity
        let result = try Segmenter().segment(image)
        #expect(result.count >= plate.nuclei.filter { $0.cy > 40 }.count - 1)
        #expect(result.warnings.contains { $0.contains("6001 of 90000 pixels are NaN or infinite") }, "\(result.warnings)")

        let nothing = try Segmenter().segment(Image(width: 32, height: 32, repeating: .nan))
        #expect(nothing.count == 0)
        #expect(nothing.warnings.contains { $0.contains("every pixel") })
    }

    @Test func aFieldWithoutDynamicRangeIsReported() throws {
        var pixels = [Float](repeating: 1_000, count: 64 * 64)
        for i in stride(from: 0, to: pixels.count, by: 7) { pixels[i] = 1_001 }
        let result = try Segmenter().segment(Image(width: 64, height: 64, pixels: pixels))
        #expect(result.count == 0)
        #expect(result.warnings.contains { $0.contains("no dynamic range") }, "\(result.warnings)")
        // An ordinary field carries no warning.
        #expect(try Segmenter().segment(TestPlateImage.scattered(width: 200, height: 200, count: 10).image)
            .warnings.isEmpty)
    }
}
