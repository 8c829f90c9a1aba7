/// Operations on binary masks stored as one byte per pixel (0 = background, 1 = foreground).
enum BinaryMorphology {
    /// Sets to foreground every background region not connected to the image edge. Background connectivity is the
    /// complement of the object connectivity (4 for 8-connected objects), so a diagonal gap does not leak.
    static func fillHoles(_ mask: inout [UInt8], width: Int, height: Int, objectConnectivity: Int) {
        guard width > 0, height > 0 else { return }
        let background = RunComponents(mask: mask, width: width, height: height, foreground: false,
                                       connectivity: objectConnectivity == 4 ? 8 : 4)
        var touchesEdge = [Bool](repeating: false, count: background.runCount)
        for r in 0..<background.runCount where background.starts[r] == 0 || Int(background.ends[r]) == width - 1
            || background.rows[r] == 0 || Int(background.rows[r]) == height - 1 {
            touchesEdge[background.root[r]] = true
        }
        mask.withUnsafeMutableBufferPointer { m in
            for r in 0..<background.runCount where !touchesEdge[background.root[r]] {
                let row = Int(background.rows[r]) * width
                for x in Int(background.starts[r])...Int(background.ends[r]) { m[row + x] = 1 }
            }
        }
    }
}

/// Connected components of the runs of one value in a binary mask: a row holds a few dozen runs, so the
/// union-find touches thousands of runs instead of millions of pixels.
struct RunComponents {
    let width: Int
    var starts: [Int32] = [], ends: [Int32] = [], rows: [Int32] = []
    /// Index of the first run of each row (and the run count at the end).
    var rowFirst: [Int32]
    /// Component of each run: the index of its component's first run.
    var root: [Int] = []
    var runCount: Int { starts.count }

    init(mask: [UInt8], width: Int, height: Int, foreground: Bool, connectivity: Int) {
        self.width = width
        rowFirst = [Int32](repeating: 0, count: height + 1)
        let reach = connectivity == 8 ? 1 : 0
        mask.withUnsafeBufferPointer { m in
            for y in 0..<height {
                rowFirst[y] = Int32(starts.count)
                let row = y * width
                var x = 0
                while x < width {
                    if (m[row + x] != 0) != foreground { x += 1; continue }
                    var end = x
                    while end + 1 < width && (m[row + end + 1] != 0) == foreground { end += 1 }
                    starts.append(Int32(x)); ends.append(Int32(end)); rows.append(Int32(y))
                    x = end + 1
                }
            }
            rowFirst[height] = Int32(starts.count)
        }
        var parent = Array(0..<starts.count)
        parent.withUnsafeMutableBufferPointer { parent in
            func find(_ a: Int) -> Int {
                var r = a
                while parent[r] != r { r = parent[r] }
                var c = a
                while parent[c] != r { let up = parent[c]; parent[c] = r; c = up }
                return r
            }
            for y in 1..<max(1, height) {
                // Merge touching runs of consecutive rows (two-pointer sweep, both lists sorted by x).
                var i = Int(rowFirst[y - 1]), j = Int(rowFirst[y])
                let iEnd = Int(rowFirst[y]), jEnd = Int(rowFirst[y + 1])
                while i < iEnd && j < jEnd {
                    if Int(ends[i]) + reach >= Int(starts[j]) && Int(ends[j]) + reach >= Int(starts[i]) {
                        let a = find(i), b = find(j)
                        if a != b { parent[max(a, b)] = min(a, b) }
                    }
                    if ends[i] < ends[j] { i += 1 } else { j += 1 }
                }
            }
            for r in 0..<parent.count { _ = find(r) }
        }
        root = parent
    }

    /// Component of the pixel at column `x`, row `y`, which must have the value these runs were built for.
    func component(x: Int, y: Int) -> Int {
        var lo = Int(rowFirst[y]), hi = Int(rowFirst[y + 1]) - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if Int(starts[mid]) <= x { lo = mid } else { hi = mid - 1 }
        }
        return root[lo]
    }
}

/// Neighbour offsets for 4- or 8-connectivity, with the bounds test folded in by the caller.
struct Neighbourhood {
    let dx: [Int]
    let dy: [Int]
    init(connectivity: Int) {
        if connectivity == 4 {
            dx = [-1, 1, 0, 0]; dy = [0, 0, -1, 1]
        } else {
            dx = [-1, 0, 1, -1, 1, -1, 0, 1]; dy = [-1, -1, -1, 0, 0, 1, 1, 1]
        }
    }
}

enum ConnectedComponents {
    /// Labels foreground components 1, 2, ... in raster order of their first pixel. Returns labels and the count.
    static func label(mask: [UInt8], width: Int, height: Int, connectivity: Int) -> (labels: [Int32], count: Int) {
        let n = width * height
        var labels = [Int32](repeating: 0, count: n)
        let neighbours = Neighbourhood(connectivity: connectivity)
        var next: Int32 = 0
        let stack = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, n))
        defer { stack.deallocate() }
        mask.withUnsafeBufferPointer { m in
            labels.withUnsafeMutableBufferPointer { l in
                for start in 0..<n where m[start] != 0 && l[start] == 0 {
                    next += 1
                    l[start] = next
                    var top = 1
                    stack[0] = Int32(start)
                    while top > 0 {
                        top -= 1
                        let i = Int(stack[top]), x = i % width, y = i / width
                        for k in 0..<neighbours.dx.count {
                            let nx = x + neighbours.dx[k], ny = y + neighbours.dy[k]
                            guard nx >= 0, nx < width, ny >= 0, ny < height else { continue }
                            let j = ny * width + nx
                            if m[j] != 0 && l[j] == 0 { l[j] = next; stack[top] = Int32(j); top += 1 }
                        }
                    }
                }
            }
        }
        return (labels, Int(next))
    }
}
