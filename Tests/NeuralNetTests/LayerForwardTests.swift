import Testing
@testable import NeuralNet

/// Every layer's forward pass against a direct-definition reference on random inputs.
@Suite struct LayerForwardTests {
    static let convCases: [(c: Int, h: Int, w: Int, o: Int, k: Int, s: Int, p: Int)] = [
        (1, 12, 12, 4, 3, 1, 1), (3, 9, 11, 5, 3, 2, 1), (4, 8, 8, 6, 1, 1, 0), (2, 13, 10, 3, 5, 2, 0),
        (2, 7, 7, 3, 3, 3, 2), (1, 5, 5, 2, 5, 1, 2),
    ]

    @Test(arguments: convCases.indices)
    func convMatchesNaive(caseIndex: Int) {
        let t = Self.convCases[caseIndex]
        let x = randomTensor([2, t.c, t.h, t.w], seed: UInt64(caseIndex + 1))
        let w = randomValues(t.o * t.c * t.k * t.k, seed: 100 + UInt64(caseIndex))
        let b = randomValues(t.o, seed: 200 + UInt64(caseIndex))
        let g = ConvGeometry(inChannels: t.c, height: t.h, width: t.w, outChannels: t.o, kernel: t.k, stride: t.s, padding: t.p)
        let layer = Conv2DLayer(geometry: g, weight: Parameter(name: "w", shape: [t.o, t.c, t.k, t.k], value: w, decays: true),
                                bias: Parameter(name: "b", shape: [t.o], value: b, decays: false))
        let y = layer.forward(x, training: false)
        let ref = naiveConv(x, weight: w, bias: b, outChannels: t.o, kernel: t.k, stride: t.s, padding: t.p)
        #expect(y.shape == ref.shape)
        #expect(relativeError(y.values, ref.values) < 1e-5)
    }

    @Test func batchNormInferenceAndTraining() {
        let x = randomTensor([3, 4, 5, 5], seed: 9, scale: 3)
        let gamma = randomValues(4, seed: 10), beta = randomValues(4, seed: 11)
        let mean = randomValues(4, seed: 12), variance = randomValues(4, seed: 13).map { abs($0) + 0.1 }
        let bn = BatchNormLayer(name: "bn", gamma: Parameter(name: "bn.weight", shape: [4], value: gamma, decays: false),
                                beta: Parameter(name: "bn.bias", shape: [4], value: beta, decays: false),
                                runningMean: mean, runningVar: variance, epsilon: 1e-5, momentum: 0.1)
        let yEval = bn.forward(x, training: false)
        var refEval = [Float](repeating: 0, count: x.count)
        var refTrain = refEval
        for n in 0..<3 { for c in 0..<4 { for i in 0..<25 {
            let idx = (n * 4 + c) * 25 + i
            refEval[idx] = Float((Double(x.values[idx]) - Double(mean[c])) / (Double(variance[c]) + 1e-5).squareRoot()
                * Double(gamma[c]) + Double(beta[c]))
        } } }
        #expect(relativeError(yEval.values, refEval) < 1e-5)

        let yTrain = bn.forward(x, training: true)
        for c in 0..<4 {
            var vals: [Double] = []
            for n in 0..<3 { for i in 0..<25 { vals.append(Double(x.values[(n * 4 + c) * 25 + i])) } }
            let m = vals.reduce(0, +) / Double(vals.count)
            let v = vals.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(vals.count)
            for n in 0..<3 { for i in 0..<25 {
                let idx = (n * 4 + c) * 25 + i
                refTrain[idx] = Float((Double(x.values[idx]) - m) / (v + 1e-5).squareRoot() * Double(gamma[c]) + Double(beta[c]))
            } }
            // PyTorch's running update uses the unbiased variance.
            let expectedVar = 0.9 * Double(variance[c]) + 0.1 * v * Double(vals.count) / Double(vals.count - 1)
            #expect(abs(Double(bn.runningVar[c]) - expectedVar) < 1e-5 * max(1, expectedVar))
        }
        #expect(relativeError(yTrain.values, refTrain) < 1e-5)
    }

    @Test func reluAndPools() {
        let x = randomTensor([2, 3, 7, 6], seed: 21)
        #expect(ReLULayer().forward(x, training: false).values == x.values.map { max($0, 0) })
        for (k, s) in [(2, 2), (3, 2), (3, 1)] {
            let ho = (7 - k) / s + 1, wo = (6 - k) / s + 1
            var refMax = [Float](), refAvg = [Float]()
            for plane in 0..<6 { for oy in 0..<ho { for ox in 0..<wo {
                var m = -Float.infinity, sum = 0.0
                for ky in 0..<k { for kx in 0..<k {
                    let v = x.values[plane * 42 + (oy * s + ky) * 6 + ox * s + kx]
                    m = max(m, v); sum += Double(v)
                } }
                refMax.append(m); refAvg.append(Float(sum / Double(k * k)))
            } } }
            let yMax = PoolLayer(kernel: k, stride: s, isMax: true).forward(x, training: false)
            let yAvg = PoolLayer(kernel: k, stride: s, isMax: false).forward(x, training: false)
            #expect(yMax.shape == [2, 3, ho, wo])
            #expect(yMax.values == refMax)
            #expect(relativeError(yAvg.values, refAvg) < 1e-5)
        }
        let gap = GlobalAvgPoolLayer().forward(x, training: false)
        let refGap = (0..<6).map { p in Float((0..<42).map { Double(x.values[p * 42 + $0]) }.reduce(0, +) / 42) }
        #expect(gap.shape == [2, 3])
        #expect(relativeError(gap.values, refGap) < 1e-5)
    }

    @Test func denseDropoutSoftmax() {
        let x = randomTensor([4, 2, 3, 3], seed: 31)
        let w = randomValues(5 * 18, seed: 32), b = randomValues(5, seed: 33)
        let dense = DenseLayer(weight: Parameter(name: "w", shape: [5, 18], value: w, decays: true),
                               bias: Parameter(name: "b", shape: [5], value: b, decays: false))
        let y = dense.forward(x, training: false)
        var ref = [Float]()
        for n in 0..<4 { for o in 0..<5 {
            var acc = Double(b[o])
            for j in 0..<18 { acc += Double(w[o * 18 + j]) * Double(x.values[n * 18 + j]) }
            ref.append(Float(acc))
        } }
        #expect(y.shape == [4, 5])
        #expect(relativeError(y.values, ref) < 1e-5)

        let dropout = DropoutLayer(rate: 0.5, seed: 1)
        #expect(dropout.forward(y, training: false) == y)
        let dropped = dropout.forward(y, training: true)
        let zeros = dropped.values.filter { $0 == 0 }.count
        #expect(zeros > 0 && zeros < y.count)
        for i in 0..<y.count where dropped.values[i] != 0 { #expect(abs(dropped.values[i] - 2 * y.values[i]) < 1e-6) }

        let p = SoftmaxLayer().forward(y, training: false)
        for n in 0..<4 {
            let row = (0..<5).map { Double(y.values[n * 5 + $0]) }
            let m = row.max()!
            let e = row.map { _exp($0 - m) }
            let s = e.reduce(0, +)
            #expect(relativeError(Array(p.values[(n * 5)..<(n * 5 + 5)]), e.map { Float($0 / s) }) < 1e-5)
        }
    }
}

#if canImport(Glibc)
import Glibc
func _exp(_ x: Double) -> Double { Glibc.exp(x) }
#else
import Darwin
func _exp(_ x: Double) -> Double { Darwin.exp(x) }
#endif
