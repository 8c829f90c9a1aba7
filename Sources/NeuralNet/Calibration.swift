import Foundation

/// Post-training calibration on the validation split: temperature scaling (Guo et al. 2017) folded into the
/// weights, and the operating threshold that best separates the classes.
enum Calibration {
    /// Fits T > 0 minimising the validation negative log-likelihood of softmax(logits / T) and divides the last
    /// dense layer's weight and bias by it. Nil when the network does not end in dense (→ dropout/softmax), or
    /// when T would be a no-op.
    static func foldTemperature(architecture: Architecture, weights: [String: Tensor], samples: [Float], labels: [Int],
                                indices: [Int], sampleSize: Int) throws -> (weights: [String: Tensor], temperature: Double)? {
        guard let last = architecture.layers.lastIndex(where: { $0.type == .dense }),
              architecture.layers[(last + 1)...].allSatisfy({ $0.type == .softmax || $0.type == .dropout }),
              let name = architecture.layers[last].name,
              let weight = weights["\(name).weight"], let bias = weights["\(name).bias"] else { return nil }
        let model = try Model(architecture: architecture, weights: weights)
        // log p differs from the logits by a per-row constant, which softmax ignores: log p / T works as logits / T.
        let logProbabilities = try probabilities(model, samples: samples, indices: indices, sampleSize: sampleSize)
            .map { log(max(Double($0), 1e-30)) }
        let classes = architecture.classNames.count
        let rows = indices.map { labels[$0] }
        func nll(_ t: Double) -> Double {
            var total = 0.0
            for (row, label) in rows.enumerated() {
                let z = (0..<classes).map { logProbabilities[row * classes + $0] / t }
                let top = z.max() ?? 0
                let lse = top + log(z.reduce(0) { $0 + exp($1 - top) })
                total += lse - z[label]
            }
            return total / Double(max(1, rows.count))
        }
        // Golden-section search on log T over [0.5, 20]: NLL is unimodal in T for a fixed network. T is not let
        // below 0.5: a small validation split that the network separates perfectly would drive it towards 0 and
        // make every probability 0 or 1, the overconfidence calibration is meant to remove.
        var low = log(0.5), high = log(20.0)
        let ratio = (5.0.squareRoot() - 1) / 2
        var a = high - ratio * (high - low), b = low + ratio * (high - low)
        var fa = nll(exp(a)), fb = nll(exp(b))
        for _ in 0..<60 {
            if fa < fb { high = b; b = a; fb = fa; a = high - ratio * (high - low); fa = nll(exp(a)) } else {
                low = a; a = b; fa = fb; b = low + ratio * (high - low); fb = nll(exp(b))
            }
        }
        let temperature = exp((low + high) / 2)
        guard abs(temperature - 1) > 1e-3 else { return nil }
        var scaled = weights
        scaled["\(name).weight"] = try Tensor(shape: weight.shape, values: weight.values.map { $0 / Float(temperature) })
        scaled["\(name).bias"] = try Tensor(shape: bias.shape, values: bias.values.map { $0 / Float(temperature) })
        return (scaled, temperature)
    }

    /// The p(infected) threshold maximising sensitivity + specificity − 1 on the given samples (class 1 positive).
    static func youdenThreshold(_ model: Model, samples: [Float], labels: [Int], indices: [Int], sampleSize: Int) throws
        -> Double?
    {
        let classes = model.classNames.count
        let p = try probabilities(model, samples: samples, indices: indices, sampleSize: sampleSize)
        let scored = indices.enumerated().map { (Double(p[$0.offset * classes + min(1, classes - 1)]), labels[$0.element] == 1) }
            .sorted { $0.0 > $1.0 }
        let positives = scored.filter(\.1).count, negatives = scored.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        var best = (j: -1.0, threshold: 0.5)
        var tp = 0, fp = 0
        for (i, (score, positive)) in scored.enumerated() {
            if positive { tp += 1 } else { fp += 1 }
            // Only between distinct scores: a threshold must be able to separate them.
            guard i + 1 == scored.count || scored[i + 1].0 < score else { continue }
            let j = Double(tp) / Double(positives) - Double(fp) / Double(negatives)
            let next = i + 1 < scored.count ? scored[i + 1].0 : 0
            if j > best.j { best = (j, (score + next) / 2) }
        }
        return best.threshold
    }

    private static func probabilities(_ model: Model, samples: [Float], indices: [Int], sampleSize: Int) throws -> [Float] {
        var values = [Float]()
        values.reserveCapacity(indices.count * sampleSize)
        for i in indices { values.append(contentsOf: samples[(i * sampleSize)..<((i + 1) * sampleSize)]) }
        return try InferenceSession(model: model).probabilities(crops: values, count: indices.count).values
    }
}
