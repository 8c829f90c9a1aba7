/// Operations on binary masks stored as one byte per pixel (0 = background, 1 = foreground).
enum BinaryMorphology {
    /// Sets to foreground every background region not connected to the image edge. Background connectivity is the
    /// complement of the object connectivity (4 for 8-connected objects), so a diagonal gap does not leak.
    static func fillHoles(_ mask: inout [UInt8], width: Int, height: Int, objectConnectivity: Int) {
        let n = width * height
        guard n > 0 else { return }
        let eightConnectedBackground = objectConnectivity == 4
        // Every pixel is pushed at most once, so a stack of n entries never overflows.
        let stack = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        defer { stack.deallocate() }
        mask.withUnsafeMutableBufferPointer { m in
            // 2 marks background reached from the edge.
            var top = 0
            @inline(__always) func seed(_ i: Int) {
                if m[i] == 0 { m[i] = 2; stack[top] = Int32(i); top += 1 }
            }
            for x in 0..<width { seed(x); seed((height - 1) * width + x) }
            for y in 0..<height { seed(y * width); seed(y * width + width - 1) }
            while top > 0 {
                top -= 1
                let i = Int(stack[top]), x = i % width, y = i / width
                if x > 0 { seed(i - 1) }
                if x < width - 1 { seed(i + 1) }
                if y > 0 { seed(i - width) }
                if y < height - 1 { seed(i + width) }
                if eightConnectedBackground {
                    if x > 0 && y > 0 { seed(i - width - 1) }
                    if x < width - 1 && y > 0 { seed(i - width + 1) }
                    if x > 0 && y < height - 1 { seed(i + width - 1) }
                    if x < width - 1 && y < height - 1 { seed(i + width + 1) }
                }
            }
            for i in 0..<n { m[i] = m[i] == 2 ? 0 : 1 }
        }
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
