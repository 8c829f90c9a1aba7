import Testing
@testable import Synthetic

@Suite struct NucleusImageRendererTests {
    let renderer = NucleusImageRenderer()

    @Test func sameSeedGivesIdenticalBuffersAndDifferentSeedDoesNot() {
        let a = renderer.render(infectionProbability: 0.5, virus: .hadv, seed: 11)
        let b = renderer.render(infectionProbability: 0.5, virus: .hadv, seed: 11)
        let c = renderer.render(infectionProbability: 0.5, virus: .hadv, seed: 12)
        #expect(a.nuclear == b.nuclear)
        #expect(a.reporter == b.reporter)
        #expect(a.labels == b.labels)
        #expect(a.nuclei == b.nuclei)
        #expect(a.nuclear != c.nuclear)
        #expect(a.nuclei != c.nuclei)
    }

    @Test func fieldHasRequestedSizeNucleiAndIntensities() throws {
        let field = renderer.render(infectionProbability: 0.3, virus: .hsv1, seed: 5)
        #expect(field.nuclear.count == 512 * 512)
        #expect(field.reporter.count == 512 * 512)
        #expect(field.labels.count == 512 * 512)
        #expect((34...40).contains(field.nuclei.count), "\(field.nuclei.count) nuclei")
        let stats = NucleusStats(field: field)
        let background = stats.backgroundNuclearMean
        #expect(background > 500 && background < 800, "background \(background)")
        let means = field.nuclei.map { stats.nuclearMean[Int($0.label)] }
        #expect(means.allSatisfy { $0 > 3000 && $0 < 25000 }, "nuclear means \(means)")
        for nucleus in field.nuclei {
            let diameter = 2 * (nucleus.radiusMajor * nucleus.radiusMinor).squareRoot()
            #expect(diameter > 6 && diameter < 40)
        }
    }

    @Test func truthCentroidsLieOnTheirOwnLabels() {
        for seed in UInt64(1)...6 {
            let field = renderer.render(infectionProbability: 0.5, virus: seed % 2 == 0 ? .hsv1 : .hadv, seed: seed)
            for (index, nucleus) in field.nuclei.enumerated() {
                #expect(nucleus.label == Int32(index + 1))
                let x = Int(nucleus.x.rounded())
                let y = Int(nucleus.y.rounded())
                #expect(field.labels[y * field.width + x] == nucleus.label, "seed \(seed) label \(nucleus.label)")
            }
        }
    }

    @Test func someButNotMostNucleiTouchANeighbour() {
        var touching = 0
        var total = 0
        for seed in UInt64(20)..<30 {
            let field = renderer.render(infectionProbability: 0.2, virus: .hsv1, seed: seed)
            let stats = NucleusStats(field: field)
            touching += stats.touching.filter { $0 }.count
            total += field.nuclei.count
        }
        let fraction = Double(touching) / Double(total)
        #expect(fraction > 0.07 && fraction < 0.3, "touching fraction \(fraction)")
    }

    @Test func hsv1InfectedNucleiHaveBrightRimsAndDimCentres() throws {
        var infected: [Double] = []
        var uninfected: [Double] = []
        for seed in UInt64(100)..<106 {
            let field = renderer.render(infectionProbability: 0.5, virus: .hsv1, seed: seed)
            let stats = NucleusStats(field: field)
            for nucleus in field.nuclei where nucleus.phenotype != .lytic {
                let ratio = stats.rimToCentre(nucleus)
                if nucleus.phenotype == .hsv1 { infected.append(ratio) } else { uninfected.append(ratio) }
            }
        }
        try #require(infected.count > 20 && uninfected.count > 20)
        let infectedMean = infected.reduce(0, +) / Double(infected.count)
        let uninfectedMean = uninfected.reduce(0, +) / Double(uninfected.count)
        #expect(infectedMean > 1.4 * uninfectedMean, "rim/centre infected \(infectedMean), uninfected \(uninfectedMean)")
    }

    @Test func hadvInfectedNucleiHaveBrightFoci() throws {
        var infected: [Double] = []
        var uninfected: [Double] = []
        for seed in UInt64(200)..<206 {
            let field = renderer.render(infectionProbability: 0.5, virus: .hadv, seed: seed)
            let stats = NucleusStats(field: field)
            for nucleus in field.nuclei where nucleus.phenotype != .lytic {
                let label = Int(nucleus.label)
                let ratio = stats.nuclearMax[label] / stats.nuclearMean[label]
                if nucleus.phenotype == .hadv { infected.append(ratio) } else { uninfected.append(ratio) }
            }
        }
        try #require(infected.count > 20 && uninfected.count > 20)
        let infectedMean = infected.reduce(0, +) / Double(infected.count)
        let uninfectedMean = uninfected.reduce(0, +) / Double(uninfected.count)
        #expect(infectedMean > 1.25 * uninfectedMean, "max/mean infected \(infectedMean), uninfected \(uninfectedMean)")
    }

    @Test func lyticNucleiAreSmallerAndBrighter() throws {
        var lytic: [(area: Double, mean: Double)] = []
        var uninfected: [(area: Double, mean: Double)] = []
        for seed in UInt64(300)..<306 {
            let field = renderer.render(infectionProbability: 0.8, virus: .hadv, seed: seed)
            let stats = NucleusStats(field: field)
            for nucleus in field.nuclei {
                let label = Int(nucleus.label)
                let entry = (Double(stats.area[label]), stats.nuclearMean[label])
                if nucleus.phenotype == .lytic { lytic.append(entry) }
                if nucleus.phenotype == .uninfected { uninfected.append(entry) }
            }
        }
        try #require(lytic.count > 5 && uninfected.count > 5)
        let mean = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }
        #expect(mean(lytic.map(\.area)) < 0.8 * mean(uninfected.map(\.area)))
        #expect(mean(lytic.map(\.mean)) > 1.2 * mean(uninfected.map(\.mean)))
    }

    @Test func reporterMeanSeparatesInfectedFromUninfected() throws {
        var scored: [(mean: Double, infected: Bool)] = []
        for seed in UInt64(400)..<410 {
            let field = renderer.render(infectionProbability: 0.5, virus: seed % 2 == 0 ? .hsv1 : .hadv, seed: seed)
            let stats = NucleusStats(field: field)
            for nucleus in field.nuclei {
                scored.append((stats.reporterMean[Int(nucleus.label)], nucleus.infected))
            }
        }
        let infected = scored.filter(\.infected).map(\.mean)
        let uninfected = scored.filter { !$0.infected }.map(\.mean)
        try #require(infected.count > 50 && uninfected.count > 50)
        let threshold = (infected.reduce(0, +) / Double(infected.count)
            + uninfected.reduce(0, +) / Double(uninfected.count)) / 2
        let correct = scored.filter { ($0.mean > threshold) == $0.infected }.count
        let accuracy = Double(correct) / Double(scored.count)
        #expect(accuracy >= 0.95, "accuracy \(accuracy) at threshold \(threshold)")
    }

    @Test func smallAndNonSquareFieldsWork() {
        let small = NucleusImageRenderer(settings: FieldSettings(width: 96, height: 64))
        let field = small.render(infectionProbability: 1, virus: .hsv1, seed: 9)
        #expect(field.nuclear.count == 96 * 64)
        #expect(field.nuclei.allSatisfy { $0.infected })
        #expect(field.nuclei.allSatisfy { $0.x >= 0 && $0.x < 96 && $0.y >= 0 && $0.y < 64 })
    }
}

/// Per-nucleus measurements from the label mask, as an analysis pipeline would take them.
struct NucleusStats {
    let field: SyntheticField
    var area: [Int]
    var nuclearMean: [Double]
    var nuclearMax: [Double]
    var reporterMean: [Double]
    var touching: [Bool]
    var backgroundNuclearMean: Double

    init(field: SyntheticField) {
        self.field = field
        let count = field.nuclei.count + 1
        area = Array(repeating: 0, count: count)
        var nuclearSum = Array(repeating: 0.0, count: count)
        var reporterSum = Array(repeating: 0.0, count: count)
        nuclearMax = Array(repeating: 0, count: count)
        touching = Array(repeating: false, count: count)
        for y in 0..<field.height {
            for x in 0..<field.width {
                let index = y * field.width + x
                let label = Int(field.labels[index])
                area[label] += 1
                nuclearSum[label] += Double(field.nuclear[index])
                reporterSum[label] += Double(field.reporter[index])
                nuclearMax[label] = max(nuclearMax[label], Double(field.nuclear[index]))
                if label > 0 {
                    if x + 1 < field.width, field.labels[index + 1] > 0, Int(field.labels[index + 1]) != label {
                        touching[label] = true
                        touching[Int(field.labels[index + 1])] = true
                    }
                    if y + 1 < field.height, field.labels[index + field.width] > 0,
                       Int(field.labels[index + field.width]) != label {
                        touching[label] = true
                        touching[Int(field.labels[index + field.width])] = true
                    }
                }
            }
        }
        nuclearMean = zip(nuclearSum, area).map { $1 > 0 ? $0 / Double($1) : 0 }
        reporterMean = zip(reporterSum, area).map { $1 > 0 ? $0 / Double($1) : 0 }
        backgroundNuclearMean = nuclearMean[0]
        touching = Array(touching.dropFirst())
        touching.insert(false, at: 0)
    }

    /// Mean intensity in the outer ring (0.7–0.95 of the radius) over that of the centre (< 0.4), own label only.
    func rimToCentre(_ nucleus: NucleusTruth) -> Double {
        let cosA = cos(nucleus.angle)
        let sinA = sin(nucleus.angle)
        var rim = (sum: 0.0, n: 0)
        var centre = (sum: 0.0, n: 0)
        let reach = Int(nucleus.radiusMajor) + 2
        let cx = Int(nucleus.x.rounded())
        let cy = Int(nucleus.y.rounded())
        for y in max(0, cy - reach)...min(field.height - 1, cy + reach) {
            for x in max(0, cx - reach)...min(field.width - 1, cx + reach) {
                let index = y * field.width + x
                guard field.labels[index] == nucleus.label else { continue }
                let dx = Double(x) - nucleus.x
                let dy = Double(y) - nucleus.y
                let u = (dx * cosA + dy * sinA) / nucleus.radiusMajor
                let v = (-dx * sinA + dy * cosA) / nucleus.radiusMinor
                let r = (u * u + v * v).squareRoot()
                let value = Double(field.nuclear[index]) - 500
                if r < 0.4 { centre.sum += value; centre.n += 1 }
                if r >= 0.7 && r <= 0.95 { rim.sum += value; rim.n += 1 }
            }
        }
        guard rim.n > 0, centre.n > 0 else { return 1 }
        return (rim.sum / Double(rim.n)) / (centre.sum / Double(centre.n))
    }
}

import Foundation
