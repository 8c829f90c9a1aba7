/// Classification quality on a labelled set. For two classes, class 1 (e.g. "infected") is the positive class.
public struct ClassificationMetrics: Sendable, Equatable, Codable {
    public var count: Int
    public var accuracy: Double
    public var precision: Double
    public var recall: Double
    public var f1: Double
    /// Area under the ROC curve of the positive-class score; nil when only one class is present.
    public var rocAUC: Double?
    /// `confusion[true][predicted]`.
    public var confusion: [[Int]]
    /// Score at or above which a sample is called positive.
    public var threshold: Float

    /// Metrics from positive-class scores (e.g. p(infected)) and 0/1 labels.
    /// Precision, recall and F1 are 0 when undefined (no predicted or no actual positives).
    public static func binary(scores: [Float], labels: [Int], threshold: Float = 0.5) -> ClassificationMetrics {
        precondition(scores.count == labels.count, "one score per label")
        var confusion = [[0, 0], [0, 0]]
        for (s, l) in zip(scores, labels) { confusion[l == 1 ? 1 : 0][s >= threshold ? 1 : 0] += 1 }
        let tp = Double(confusion[1][1]), fp = Double(confusion[0][1]), fn = Double(confusion[1][0]), tn = Double(confusion[0][0])
        let n = Double(scores.count)
        let precision = tp + fp > 0 ? tp / (tp + fp) : 0
        let recall = tp + fn > 0 ? tp / (tp + fn) : 0
        let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        return ClassificationMetrics(count: scores.count, accuracy: n > 0 ? (tp + tn) / n : 0, precision: precision,
                                     recall: recall, f1: f1, rocAUC: rocAUC(scores: scores, labels: labels),
                                     confusion: confusion, threshold: threshold)
    }

    /// Mann-Whitney estimate of ROC AUC with tied scores given average ranks.
    public static func rocAUC(scores: [Float], labels: [Int]) -> Double? {
        let positives = labels.filter { $0 == 1 }.count, negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j where labels[order[k]] == 1 { rankSum += rank }
            i = j + 1
        }
        let p = Double(positives)
        return (rankSum - p * (p + 1) / 2) / (p * Double(negatives))
    }
}
