import Foundation

/// Per-label accumulators filled in one pass over the image.
struct LabelStatistics {
    var area: [Int]
    var sumX: [Double], sumY: [Double], sumXX: [Double], sumYY: [Double], sumXY: [Double]
    var minX: [Int], minY: [Int], maxX: [Int], maxY: [Int]
    var sum: [Double], sumSquares: [Double], minimum: [Float], maximum: [Float]
    var intensityCount: [Int]

    init(labels: [Int32], labelCount: Int, width: Int, height: Int, intensities: [Float]?) {
        let c = labelCount + 1
        area = [Int](repeating: 0, count: c)
        sumX = [Double](repeating: 0, count: c); sumY = sumX; sumXX = sumX; sumYY = sumX; sumXY = sumX
        minX = [Int](repeating: Int.max, count: c); minY = minX
        maxX = [Int](repeating: -1, count: c); maxY = maxX
        sum = [Double](repeating: 0, count: c); sumSquares = sum
        minimum = [Float](repeating: .infinity, count: c); maximum = [Float](repeating: -.infinity, count: c)
        intensityCount = [Int](repeating: 0, count: c)
        labels.withUnsafeBufferPointer { l in
            for y in 0..<height {
                let row = y * width
                var x = 0
                while x < width {
                    let k = Int(l[row + x])
                    if k == 0 { x += 1; continue }
                    // Runs of one label along a row are accumulated together.
                    var end = x + 1
                    while end < width && Int(l[row + end]) == k { end += 1 }
                    let runLength = end - x
                    let xs = Double(x), xe = Double(end - 1), yd = Double(y)
                    area[k] += runLength
                    let sx = (xs + xe) * Double(runLength) / 2
                    sumX[k] += sx
                    sumY[k] += yd * Double(runLength)
                    sumXX[k] += (xe * (xe + 1) * (2 * xe + 1) - (xs - 1) * xs * (2 * xs - 1)) / 6
                    sumYY[k] += yd * yd * Double(runLength)
                    sumXY[k] += yd * sx
                    minX[k] = min(minX[k], x); maxX[k] = max(maxX[k], end - 1)
                    minY[k] = min(minY[k], y); maxY[k] = max(maxY[k], y)
                    x = end
                }
            }
        }
        if let intensities {
            accumulateIntensities(labels: labels, intensities: intensities)
        }
    }

    mutating func accumulateIntensities(labels: [Int32], intensities: [Float]) {
        labels.withUnsafeBufferPointer { l in
            intensities.withUnsafeBufferPointer { v in
                for i in 0..<l.count {
                    let k = Int(l[i])
                    if k == 0 { continue }
                    let value = v[i]
                    intensityCount[k] += 1
                    sum[k] += Double(value)
                    sumSquares[k] += Double(value) * Double(value)
                    if value < minimum[k] { minimum[k] = value }
                    if value > maximum[k] { maximum[k] = value }
                }
            }
        }
    }

    func intensity(_ k: Int, label: Int) -> IntensityFeatures {
        let count = intensityCount[k]
        let n = Double(max(1, count))
        let mean = sum[k] / n
        let variance = max(0, sumSquares[k] / n - mean * mean)
        return IntensityFeatures(label: label, mean: mean, minimum: count > 0 ? minimum[k] : 0,
                                 maximum: count > 0 ? maximum[k] : 0, integrated: sum[k],
                                 standardDeviation: variance.squareRoot())
    }
}

/// Shape measurements that need the pixels of one object (within its bounding box).
enum ShapeMeasurement {
    /// Marching-squares outline length: corners of each 2×2 cell inside/outside the object.
    static func perimeter(labels: UnsafeBufferPointer<Int32>, width: Int, height: Int, label: Int32,
                          box: BoundingBox) -> Double {
        let half = 0.5.squareRoot()
        var total = 0.0
        @inline(__always) func inside(_ x: Int, _ y: Int) -> Bool {
            x >= 0 && y >= 0 && x < width && y < height && labels[y * width + x] == label
        }
        for y in (box.y - 1)..<(box.y + box.height) {
            for x in (box.x - 1)..<(box.x + box.width) {
                let a = inside(x, y), b = inside(x + 1, y), c = inside(x, y + 1), d = inside(x + 1, y + 1)
                let count = (a ? 1 : 0) + (b ? 1 : 0) + (c ? 1 : 0) + (d ? 1 : 0)
                switch count {
                case 1, 3: total += half
                case 2: total += (a == d) ? 2 * half : 1  // a == d means a diagonal pair
                default: break
                }
            }
        }
        return total
    }

    /// Area of the convex hull of the pixel centres, converted to a pixel count with Pick's theorem
    /// (interior + boundary lattice points ≈ area + perimeter / 2 + 1).
    static func convexHullPixelArea(labels: UnsafeBufferPointer<Int32>, width: Int, label: Int32,
                                    box: BoundingBox) -> Double {
        var points: [(Double, Double)] = []
        points.reserveCapacity(box.height * 2)
        for y in box.y..<(box.y + box.height) {
            var lo = -1, hi = -1
            let row = y * width
            for x in box.x..<(box.x + box.width) where labels[row + x] == label {
                if lo < 0 { lo = x }
                hi = x
            }
            if lo >= 0 {
                points.append((Double(lo), Double(y)))
                if hi != lo { points.append((Double(hi), Double(y))) }
            }
        }
        guard points.count >= 3 else { return Double(points.count) }
        points.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        func cross(_ o: (Double, Double), _ a: (Double, Double), _ b: (Double, Double)) -> Double {
            (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
        }
        var hull: [(Double, Double)] = []
        for p in points {
            while hull.count >= 2 && cross(hull[hull.count - 2], hull[hull.count - 1], p) <= 0 { hull.removeLast() }
            hull.append(p)
        }
        let lowerCount = hull.count + 1
        for p in points.reversed().dropFirst() {
            while hull.count >= lowerCount && cross(hull[hull.count - 2], hull[hull.count - 1], p) <= 0 {
                hull.removeLast()
            }
            hull.append(p)
        }
        hull.removeLast()
        var twiceArea = 0.0, boundary = 0.0
        for i in 0..<hull.count {
            let a = hull[i], b = hull[(i + 1) % hull.count]
            twiceArea += a.0 * b.1 - b.0 * a.1
            boundary += ((a.0 - b.0) * (a.0 - b.0) + (a.1 - b.1) * (a.1 - b.1)).squareRoot()
        }
        return abs(twiceArea) / 2 + boundary / 2 + 1
    }
}

public extension Segmenter {
    /// Intensities of another channel (a reporter, say) inside each nucleus of `segmentation`, in label order.
    /// - Throws: `ImagingError.sizeMismatch` when the channel is not the segmented image's size.
    static func measure(channel: Image, in segmentation: Segmentation) throws -> [IntensityFeatures] {
        guard channel.width == segmentation.width, channel.height == segmentation.height else {
            throw ImagingError.sizeMismatch(expected: "\(segmentation.width)×\(segmentation.height)",
                                            actual: "\(channel.width)×\(channel.height)")
        }
        let count = segmentation.nuclei.count
        var statistics = LabelStatistics(labels: segmentation.labels, labelCount: count, width: channel.width,
                                         height: channel.height, intensities: nil)
        statistics.accumulateIntensities(labels: segmentation.labels, intensities: channel.pixels)
        return (1...max(1, count)).prefix(count).map { statistics.intensity($0, label: $0) }
    }
}
