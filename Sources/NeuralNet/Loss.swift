#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Softmax cross-entropy on logits `[N, K]`, weighted per class and averaged by the total weight of the batch
/// (PyTorch's weighted mean), with its gradient with respect to the logits. Computed from the logits rather than
/// from softmax outputs so it stays finite when a probability underflows.
func softmaxCrossEntropy(logits: Tensor, labels: [Int], classWeights: [Float]) -> (loss: Float, gradient: Tensor) {
    let n = logits.batchSize, k = logits.sampleSize
    var grad = [Float](repeating: 0, count: logits.count)
    var totalWeight = 0.0, loss = 0.0
    for s in 0..<n { totalWeight += Double(classWeights[labels[s]]) }
    let norm = totalWeight > 0 ? 1 / totalWeight : 0
    for s in 0..<n {
        let row = s * k
        var m = -Float.infinity
        for j in 0..<k { m = max(m, logits.values[row + j]) }
        var sum = 0.0
        for j in 0..<k { sum += Double(expf(logits.values[row + j] - m)) }
        let logSum = Double(m) + log(sum)
        let w = Double(classWeights[labels[s]])
        loss += w * (logSum - Double(logits.values[row + labels[s]]))
        for j in 0..<k {
            let p = exp(Double(logits.values[row + j]) - logSum)
            grad[row + j] = Float(w * norm * (p - (j == labels[s] ? 1 : 0)))
        }
    }
    return (Float(loss * norm), Tensor(logits.shape, grad))
}
