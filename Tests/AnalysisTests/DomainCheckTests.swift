import Foundation
import Testing
@testable import Analysis
import Imaging
import Synthetic

/// Segmented nuclei of real rendered fields (the segmenter the workers use), `fields` fields of the given size.
private func sample(diameter: Double, fields: Int = 3, seed: UInt64 = 1, virus: Virus = .hsv1) throws -> DomainSample {
    let renderer = NucleusImageRenderer(settings: FieldSettings(width: 512, height: 512, nucleusDiameter: diameter))
    var sample = DomainSample()
    for index in 0..<fields {
        let field = renderer.render(nucleusCount: diameter > 30 ? 12 : 40, infectionProbability: 0.5, virus: virus,
                                    seed: seed + UInt64(index))
        let image = Image(width: field.width, height: field.height, pixels: field.nuclear.map(Float.init))
        sample.add(try Segmenter().segment(image))
    }
    return sample
}

@Suite struct DomainCheckTests {
    @Test func quantilesInterpolateBetweenRanks() throws {
        let q = try #require(Quantiles((0...100).map(Double.init)))
        #expect(q.p01 == 1 && q.p50 == 50 && q.p99 == 99)
        let two = try #require(Quantiles([10, 20]))
        #expect(abs(two.p25 - 12.5) < 1e-9)
        #expect(Quantiles([]) == nil)
        #expect(Quantiles([.nan]) == nil)
    }

    @Test func aCampaignLikeTheTrainingDataIsInDomain() throws {
        let domain = try #require(ModelDomain(sample: try sample(diameter: 20, seed: 1), nuclearChannel: "w1"))
        #expect(domain.diameter.p50 > 15 && domain.diameter.p50 < 26, "median diameter \(domain.diameter.p50)")
        let verdict = DomainCheck.compare(try sample(diameter: 20, seed: 50), with: domain)
        #expect(verdict.status == .inDomain, "\(verdict.summary)")
        #expect(verdict.comparisons.count == 2)
        #expect(verdict.comparisons.allSatisfy { $0.fractionInside > 0.9 })
    }

    @Test func nucleiTwoAndAHalfTimesTheTrainingDiameterAreOutOfDomain() throws {
        let domain = try #require(ModelDomain(sample: try sample(diameter: 20, seed: 1), nuclearChannel: "w1"))
        let verdict = DomainCheck.compare(try sample(diameter: 50, seed: 60), with: domain)
        #expect(verdict.status == .outOfDomain, "\(verdict.summary)")
        #expect(verdict.summary.contains("nucleus diameter median"))
        let diameter = try #require(verdict.comparisons.first { $0.feature == "diameter_px" })
        #expect(diameter.campaignMedian / diameter.trainingMedian > 2)
        #expect(diameter.fractionInside < 0.5)
    }

    @Test func aModerateShiftIsNearTheEdgeNotRefused() throws {
        // Synthetic sizes are drawn from 0.6–1.5× the median: a 1.4× median leaves part of the nuclei inside.
        let domain = try #require(ModelDomain(sample: try sample(diameter: 20, seed: 1, virus: .hadv), nuclearChannel: "w1"))
        let verdict = DomainCheck.compare(try sample(diameter: 28, seed: 70, virus: .hadv), with: domain)
        #expect(verdict.status == .nearEdge, "\(verdict.summary)")
    }

    @Test func noNucleiAtAllIsOutOfDomain() throws {
        let domain = try #require(ModelDomain(sample: try sample(diameter: 20, fields: 1), nuclearChannel: "w1"))
        var empty = DomainSample()
        empty.add(try Segmenter().segment(Image(width: 64, height: 64, repeating: 500)))
        let verdict = DomainCheck.compare(empty, with: domain)
        #expect(verdict.status == .outOfDomain)
        #expect(verdict.summary.contains("no nuclei"))
    }

    @Test func domainAndLabelFilesRoundTripAndBadOnesNameTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("viroscope-domain-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try ModelDomain.load(modelDirectory: directory) == nil)
        #expect(try TrainingLabels.load(modelDirectory: directory) == nil)
        let domain = try #require(ModelDomain(sample: try sample(diameter: 20, fields: 1), nuclearChannel: "w1", source: "test"))
        try domain.save(modelDirectory: directory)
        #expect(try ModelDomain.load(modelDirectory: directory) == domain)
        let labels = TrainingLabels(source: "reporter", nuclearChannel: "w1", reporterChannel: "w2",
                                    reporterThreshold: 1859.5, reporterThresholdCalibrated: true)
        try labels.save(modelDirectory: directory)
        #expect(try TrainingLabels.load(modelDirectory: directory) == labels)
        try Data("{\"nuclei\": ".utf8).write(to: directory.appendingPathComponent(ModelDomain.fileName))
        #expect { try ModelDomain.load(modelDirectory: directory) } throws: { error in
            "\(error)".contains(ModelDomain.fileName)
        }
    }
}

@Suite struct ImageRescalingTests {
    @Test func enlargingThenShrinkingGivesBackTheImage() {
        let pixels: [Float] = (0..<(32 * 24)).map { (i: Int) -> Float in
            let x = i % 32, y = i / 32
            return Float(x * 10 + y * 3)
        }
        let image = Image(width: 32, height: 24, pixels: pixels)
        let big = ImageRescaling.resample(image, by: 2)
        #expect(big.width == 64 && big.height == 48)
        let back = ImageRescaling.resample(big, by: 0.5)
        #expect(back.width == 32 && back.height == 24)
        let error = zip(back.pixels, pixels).map { abs($0 - $1) }.max() ?? 1
        #expect(error < 6, "max error \(error)")  // a linear ramp survives up to the edge pixels
        #expect(ImageRescaling.resample(image, by: 1) == image)
    }

    @Test func theFactorBringsTheCampaignMedianToTheTrainingMedian() {
        let verdict = DomainVerdict(status: .outOfDomain, reasons: [], comparisons: [
            DomainFeatureComparison(feature: "diameter_px", campaignMedian: 50, trainingMedian: 20, trainingLow: 14,
                                    trainingHigh: 37, fractionInside: 0.02),
        ])
        #expect(ImageRescaling.factor(for: verdict) == 0.4)
        #expect(ImageRescaling.factor(for: DomainVerdict(status: .unchecked, reasons: [])) == nil)
    }
}
