import COpenBLAS
import Foundation

extension Model {
    /// The untrained starting point of `architecture`: He-normal conv and dense weights from `seed`, zero biases,
    /// identity batch norms. Used by training, benchmarks and tests that need a model of the right shape.
    public static func initialised(architecture: Architecture, seed: UInt64) throws -> Model {
        let resolved: [ResolvedLayer]
        do { resolved = try architecture.resolve(source: "architecture") } catch let e as ArchitectureError {
            throw ModelError.invalidArchitecture(source: e.source, reason: e.reason)
        }
        var generator = SeededGenerator(seed: seed)
        return try Model(architecture: architecture, weights: Network.initialWeights(resolved, generator: &generator))
    }
}

/// Measures what OpenBLAS sgemm reaches on this machine, the ceiling against which inference GFLOP/s are read.
public enum BLASBenchmark {
    /// GFLOP/s of `C[m,n] = A[m,k]·B[k,n]`, best of `repeats` timings of `iterations` calls each.
    public static func sgemmGFLOPs(m: Int, n: Int, k: Int, iterations: Int, repeats: Int = 3) -> Double {
        BLASThreads.ensureConfigured()
        let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        var best = Double.infinity
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            sgemm(m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n, c: cp.baseAddress!, ldc: n)
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<iterations {
                    sgemm(m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n, c: cp.baseAddress!, ldc: n)
                }
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
        } } }
        return 2 * Double(m) * Double(n) * Double(k) * Double(iterations) / best / 1e9
    }
}
