/// Exact Euclidean distance transform (Felzenszwalb & Huttenlocher 2012): for every foreground pixel, the distance
/// to the nearest background pixel. Pixels beyond the image edge count as foreground (as in scipy), so a nucleus cut
/// by the edge is not made thinner. O(n): a column scan, then a lower envelope of parabolas per row.
enum DistanceTransform {
    /// `mask[i] != 0` is foreground. Returns distances (0 on background); an image without background gets a large
    /// finite distance everywhere.
    static func euclidean(mask: [UInt8], width: Int, height: Int) -> [Float] {
        let n = width * height
        var squared = [Float](repeating: 0, count: n)
        let infinity = Float(width * width + height * height + 1)
        mask.withUnsafeBufferPointer { m in
            squared.withUnsafeMutableBufferPointer { g in
                // Columns: squared vertical distance to the nearest background pixel, two sweeps that walk the
                // image row by row (sequential memory) with the last background row of every column in `last`.
                var lastBackground = [Int32](repeating: -1, count: width)
                lastBackground.withUnsafeMutableBufferPointer { last in
                    for y in 0..<height {
                        let row = y * width
                        for x in 0..<width {
                            if m[row + x] == 0 {
                                last[x] = Int32(y); g[row + x] = 0
                            } else {
                                let l = Int(last[x])
                                g[row + x] = l < 0 ? infinity : Float((y - l) * (y - l))
                            }
                        }
                    }
                    for x in 0..<width { last[x] = -1 }
                    for y in stride(from: height - 1, through: 0, by: -1) {
                        let row = y * width
                        for x in 0..<width {
                            if m[row + x] == 0 {
                                last[x] = Int32(y)
                            } else if last[x] >= 0 {
                                let l = Int(last[x])
                                let d = Float((l - y) * (l - y))
                                if d < g[row + x] { g[row + x] = d }
                            }
                        }
                    }
                }
                // Rows: lower envelope of parabolas rooted at the column results.
                var f = [Float](repeating: 0, count: width)
                var v = [Int32](repeating: 0, count: width)
                var z = [Float](repeating: 0, count: width + 1)
                f.withUnsafeMutableBufferPointer { f in
                    v.withUnsafeMutableBufferPointer { v in
                        z.withUnsafeMutableBufferPointer { z in
                            for y in 0..<height {
                                let row = g.baseAddress! + y * width
                                var anyForeground = false
                                for x in 0..<width {
                                    f[x] = row[x]
                                    if row[x] != 0 { anyForeground = true }
                                }
                                if !anyForeground { continue }
                                var k = -1
                                for q in 0..<width where f[q] < infinity {
                                    let fq = f[q] + Float(q * q)
                                    if k < 0 {
                                        k = 0; v[0] = Int32(q); z[0] = -.infinity; z[1] = .infinity
                                        continue
                                    }
                                    var s: Float = 0
                                    while true {
                                        let p = Int(v[k])
                                        s = (fq - (f[p] + Float(p * p))) / Float(2 * (q - p))
                                        if s <= z[k] && k > 0 { k -= 1 } else { break }
                                    }
                                    if s <= z[k] {  // k == 0 and the new parabola dominates everywhere
                                        v[0] = Int32(q); z[0] = -.infinity; z[1] = .infinity
                                        continue
                                    }
                                    k += 1
                                    v[k] = Int32(q); z[k] = s; z[k + 1] = .infinity
                                }
                                if k < 0 {
                                    for x in 0..<width { row[x] = infinity }
                                    continue
                                }
                                var j = 0
                                for x in 0..<width {
                                    while z[j + 1] < Float(x) { j += 1 }
                                    let p = Int(v[j])
                                    row[x] = Float((x - p) * (x - p)) + f[p]
                                }
                            }
                        }
                    }
                }
                for i in 0..<n { g[i] = g[i].squareRoot() }
            }
        }
        return squared
    }
}
