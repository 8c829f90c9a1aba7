import Foundation
import Testing
@testable import Imaging

/// Per-field QC: each flag on a synthetic blurred, saturated and empty field among ordinary ones.
@Suite struct ImageQualityTests {
    private static func measure(_ image: Image, saturationLevel: Float? = 65_535) throws -> ImageQuality {
        ImageQuality.measure(image: image, segmentation: try Segmenter().segment(image),
                             saturationLevel: saturationLevel)
    }

    private static func blurred(_ image: Image, sigma: Double) -> Image {
        Image(width: image.width, height: image.height,
              pixels: GaussianFilter.smooth(image.pixels, width: image.width, height: image.height, sigma: sigma))
    }

    /// Nine ordinary fields, then a blurred, a saturated and an empty one (indices 9, 10, 11).
    private static func campaign() throws -> [ImageQuality] {
        var fields: [ImageQuality] = []
        for seed: UInt64 in 1...9 {
            fields.append(try measure(TestPlateImage.scattered(width: 256, height: 256, count: 20, seed: seed).image))
        }
        let sharp = TestPlateImage.scattered(width: 256, height: 256, count: 20, seed: 40).image
        fields.append(try measure(blurred(sharp, sigma: 3)))
        var bright = TestPlateImage.scattered(width: 256, height: 256, count: 20, seed: 41).image
        for i in bright.pixels.indices { bright.pixels[i] = min(65_535, bright.pixels[i] * 6) }
        fields.append(try measure(bright))
        fields.append(try measure(TestPlateImage.render(width: 256, height: 256, nuclei: [], seed: 42)))
        return fields
    }

    @Test func eachFlagFallsOnItsField() throws {
        let fields = try Self.campaign()
        let verdicts = ImageQualityFlagger.assess(fields)
        for index in 0..<9 { #expect(verdicts[index].flags.isEmpty, "field \(index): \(verdicts[index].reasons)") }
        #expect(verdicts[9].flags == [.outOfFocus], "\(verdicts[9].reasons)")
        #expect(verdicts[10].flags == [.saturated], "\(verdicts[10].reasons)")
        #expect(verdicts[11].flags == [.empty], "\(verdicts[11].reasons)")
        #expect(verdicts[9].reasons.first?.contains("robust SD below") == true)
        // The blurred field really is less sharp, and the saturated one really clipped.
        #expect(fields[9].focusScore < fields[0].focusScore / 2)
        #expect(fields[10].saturatedFraction > 0.01 && fields[0].saturatedFraction == 0)
        #expect(fields[11].nucleusCount == 0 && fields[11].foregroundFraction == 0)
        #expect(fields[0].foregroundFraction > 0.05 && fields[0].nucleusCount >= 18)
    }

    @Test func limitsCanBeOverridden() throws {
        let fields = try Self.campaign()
        var limits = ImageQualityLimits()
        limits.saturatedFraction = 0.9
        limits.minimumNucleusCount = 0
        limits.focusRobustZ = -1_000
        #expect(ImageQualityFlagger.assess(fields, limits: limits).allSatisfy { !$0.isFlagged })
        limits.focusRobustZ = 0.5
        #expect(limits.problem != nil)
    }

    @Test func assessmentIsDeterministicAndOrderIndependent() throws {
        let fields = try Self.campaign()
        let forward = ImageQualityFlagger.assess(fields)
        let backward = ImageQualityFlagger.assess(fields.reversed())
        #expect(forward == Array(backward.reversed()))
        #expect(try Self.campaign() == fields)
    }
}
