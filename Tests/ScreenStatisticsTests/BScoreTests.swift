import Testing
import ScreenStatistics

@Suite struct BScoreTests {
    static let references: [(String, BScoreReference)] = [
        ("small4x6", BScoreReferenceData.small4x6), ("plate96", BScoreReferenceData.plate96),
        ("plate384Edge", BScoreReferenceData.plate384Edge),
    ]

    /// The median polish and the B-scores agree with R's `medpolish` to 1e-6 (fixed numbers from
    /// Reference/bscore-reference.R), including missing (non-sample) wells and a 16 × 24 plate with an edge effect.
    @Test(arguments: references.map(\.0))
    func matchesR(name: String) throws {
        let reference = try #require(Self.references.first { $0.0 == name }?.1)
        // R's medpolish keeps all rows and columns; these plates have a value in each (the 384 plate's control
        // columns are dropped by BScore, so the polish is compared on the sample columns only).
        let keep = (0..<(reference.values.first?.count ?? 0)).filter { j in reference.values.contains { $0[j] != nil } }
        let polish = try #require(MedianPolish(reference.values.map { row in keep.map { row[$0] } }))
        #expect(abs(polish.overall - reference.overall) < 1e-6)
        for (a, b) in zip(polish.rowEffects, reference.rowEffects) { #expect(abs(a - b) < 1e-6) }
        for (a, b) in zip(polish.columnEffects, keep.map { reference.columnEffects[$0] }) { #expect(abs(a - (b ?? .nan)) < 1e-6) }
        let scores = try #require(BScore.scores(reference.values))
        var compared = 0
        for i in reference.values.indices {
            for j in reference.values[i].indices {
                let want = reference.bScores[i][j]
                let got = scores[i][j]
                #expect((want == nil) == (got == nil), "well \(i),\(j)")
                if let want, let got {
                    #expect(abs(got - want) < 1e-6, "well \(i),\(j): \(got) vs R \(want)")
                    compared += 1
                }
                if let residual = reference.residuals[i][j], let index = keep.firstIndex(of: j),
                   let mine = polish.residuals[i][index] {
                    #expect(abs(mine - residual) < 1e-6)
                }
            }
        }
        #expect(compared == reference.values.flatMap { $0 }.compactMap { $0 }.count)
    }

    /// A 384-well plate whose outer wells read 0.25 lower (an edge effect in the direction of a hit) and four
    /// true hits inside. Raw robust z calls edge wells hits; the B-score removes the edge and keeps the hits.
    @Test func bScoreRemovesAnEdgeEffectThatFoolsRobustZ() throws {
        var state: UInt64 = 42
        func noise() -> Double {
            // Sum of uniforms: roughly normal, SD ≈ 0.03, deterministic.
            var sum = 0.0
            for _ in 0..<12 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                sum += Double(state >> 11) / Double(1 << 53)
            }
            return (sum - 6) * 0.03
        }
        let hits: Set<[Int]> = [[5, 10], [8, 14], [11, 7], [3, 20]]
        var plate = [[Double?]](repeating: [Double?](repeating: nil, count: 24), count: 16)
        for i in 0..<16 {
            for j in 4..<24 {  // columns 1–4 are controls: not samples
                let edge = i == 0 || i == 15 || j == 4 || j == 23
                plate[i][j] = 0.6 + noise() - (edge ? 0.25 : 0) - (hits.contains([i, j]) ? 0.4 : 0)
            }
        }
        let flat = plate.enumerated().flatMap { i, row in row.enumerated().compactMap { j, v in v.map { ([i, j], $0) } } }
        let z = RobustZ.scores(flat.map(\.1))
        let rawCalls = Set(zip(flat, z).filter { ($0.1 ?? 0) <= -3 }.map(\.0.0))
        let edgeCalls = rawCalls.filter { $0[0] == 0 || $0[0] == 15 || $0[1] == 4 || $0[1] == 23 }
        #expect(edgeCalls.count >= 20, "raw robust z should call the edge: \(edgeCalls.count)")

        let b = try #require(BScore.scores(plate))
        var bCalls: Set<[Int]> = []
        for i in 0..<16 { for j in 0..<24 where (b[i][j] ?? 0) <= -3 { bCalls.insert([i, j]) } }
        // Every true hit, and at most a few noise calls: with 320 wells and the residual MAD slightly below σ
        // (the polish fits some noise), one to three wells past −3 by chance are expected, but not the edge.
        let bEdge = bCalls.filter { $0[0] == 0 || $0[0] == 15 || $0[1] == 4 || $0[1] == 23 }
        #expect(hits.isSubset(of: bCalls))
        #expect(bCalls.count <= hits.count + 3, "B-score calls \(bCalls.sorted { $0.lexicographicallyPrecedes($1) })")
        #expect(bEdge.count <= 1, "B-score edge calls \(bEdge)")
    }

    @Test func unpolishablePlatesGiveNil() {
        #expect(MedianPolish([]) == nil)
        #expect(MedianPolish([[1, 2], [3]]) == nil)
        #expect(MedianPolish([[nil, nil], [1, 2]]) == nil)
        #expect(BScore.scores([[nil, nil], [nil, nil]]) == nil)
        #expect(BScore.scores([[1, 1], [1, 1]]) == nil)  // no residual spread
    }
}
