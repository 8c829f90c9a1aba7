/// Splits touching nuclei: a seeded watershed of the (negated) distance map, restricted to the foreground mask,
/// flooded from the local maxima that are also the deepest point within `minimumDistance` (as scikit-image's
/// `peak_local_max`). Basins merge when they meet if the lower peak rises less than `dynamic`
/// above the meeting point (h-maxima) or the two peaks are closer than `minimumDistance`, so only real necks
/// between round shapes split a clump. A bucket queue over quantised depth keeps it O(n) and deterministic.
///
/// `peakWindow` (default `minimumDistance`) is the half-size of the square a seed must be the deepest point of:
/// smaller than the merge distance, so a small nucleus beside a big one keeps its own peak until the flood
/// decides. Seeds, and the merge test that decides whether two seeds are two nuclei, use `depth`; when `flood`
/// is given the surviving seeds are then flooded again on it without merging (the dividing lines follow it), so
/// seeds from shape can be divided along the dimmest path between them.
enum Watershed {
    /// Number of queue levels per pixel of depth; finer only changes the visiting order among near-equal depths.
    static let levelsPerPixel: Float = 16

    static func split(
        mask: [UInt8], depth: [Float], flood: [Float]? = nil, width: Int, height: Int, connectivity: Int,
        dynamic: Float, minimumDistance: Float, peakWindow: Float? = nil
    ) -> [Int32] {
        let n = width * height
        var labels = [Int32](repeating: 0, count: n)
        guard n > 0 else { return labels }
        let neighbours = Neighbourhood(connectivity: connectivity)
        let count = neighbours.dx.count
        let dxs = neighbours.dx, dys = neighbours.dy
        let minimumDistanceSquared = minimumDistance * minimumDistance
        let window = max(1, Int((peakWindow ?? minimumDistance).rounded()))

        // Seeds: pixels at least as deep as every foreground pixel in their 8-neighbourhood and in the window.
        var seeds: [Int32] = []
        mask.withUnsafeBufferPointer { m in
            depth.withUnsafeBufferPointer { d in
                for y in 0..<height {
                    for x in 0..<width {
                        let i = y * width + x
                        guard m[i] != 0 else { continue }
                        let value = d[i]
                        var isPeak = true
                        for k in 0..<count {
                            let nx = x + dxs[k], ny = y + dys[k]
                            guard nx >= 0, nx < width, ny >= 0, ny < height else { continue }
                            let j = ny * width + nx
                            if m[j] != 0 && d[j] > value { isPeak = false; break }
                        }
                        guard isPeak else { continue }
                        // peak_local_max semantics: also the deepest within the seed window, which removes noise
                        // maxima on the flanks of one nucleus's ridge.
                        for wy in max(0, y - window)...min(height - 1, y + window) where isPeak {
                            let row = wy * width
                            for wx in max(0, x - window)...min(width - 1, x + window) {
                                if m[row + wx] != 0 && d[row + wx] > value { isPeak = false; break }
                            }
                        }
                        if isPeak { seeds.append(Int32(i)) }
                    }
                }
            }
        }
        // Seeds grouped by clump, raster order within a clump (the sort is on a unique key: deterministic).
        let clumps = RunComponents(mask: mask, width: width, height: height, foreground: true,
                                   connectivity: connectivity)
        let clumpOrder = seeds.map { seed in
            (clump: clumps.component(x: Int(seed) % width, y: Int(seed) / width), pixel: seed)
        }.sorted { $0.clump != $1.clump ? $0.clump < $1.clump : $0.pixel < $1.pixel }
        let surface = depth
        var maxDepth: Float = 0
        mask.withUnsafeBufferPointer { m in
            surface.withUnsafeBufferPointer { f in
                for i in 0..<n where m[i] != 0 && f[i] > maxDepth { maxDepth = f[i] }
            }
        }
        let basins = seeds.count + 1  // slot 0 unused: labels are 1-based
        let parent = UnsafeMutablePointer<Int32>.allocate(capacity: basins)
        let peak = UnsafeMutablePointer<Float>.allocate(capacity: basins)
        let peakX = UnsafeMutablePointer<Float>.allocate(capacity: basins)
        let peakY = UnsafeMutablePointer<Float>.allocate(capacity: basins)
        let levelCount = Int(maxDepth * levelsPerPixel) + 2
        let head = UnsafeMutablePointer<Int32>.allocate(capacity: levelCount)
        let tail = UnsafeMutablePointer<Int32>.allocate(capacity: levelCount)
        let next = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        defer {
            parent.deallocate(); peak.deallocate(); peakX.deallocate(); peakY.deallocate()
            head.deallocate(); tail.deallocate(); next.deallocate()
        }
        head.initialize(repeating: -1, count: levelCount)
        tail.initialize(repeating: -1, count: levelCount)
        parent[0] = 0

        @inline(__always) func find(_ a: Int32) -> Int32 {
            var r = a
            while parent[Int(r)] != r { r = parent[Int(r)] }
            var c = a
            while parent[Int(c)] != r { let up = parent[Int(c)]; parent[Int(c)] = r; c = up }
            return r
        }
        @inline(__always) func push(_ i: Int, _ lv: Int) {
            next[i] = -1
            if tail[lv] < 0 { head[lv] = Int32(i) } else { next[Int(tail[lv])] = Int32(i) }
            tail[lv] = Int32(i)
        }

        mask.withUnsafeBufferPointer { m in
            surface.withUnsafeBufferPointer { d in
            depth.withUnsafeBufferPointer { seedDepth in
                labels.withUnsafeMutableBufferPointer { l in
                    @inline(__always) func level(_ i: Int) -> Int {
                        min(levelCount - 1, max(0, Int(d[i] * levelsPerPixel)))
                    }
                    for (index, seed) in seeds.enumerated() {
                        let id = Int32(index + 1), i = Int(seed)
                        parent[Int(id)] = id
                        peak[Int(id)] = seedDepth[i]
                        peakX[Int(id)] = Float(i % width)
                        peakY[Int(id)] = Float(i / width)
                        l[i] = id
                    }
                    // Flood one clump (connected component) at a time: clumps never meet, so the result is the
                    // same as one global flood, but the queue holds neighbouring pixels and stays in cache.
                    var position = 0
                    while position < clumpOrder.count {
                        let clump = clumpOrder[position].clump
                        var current = 0
                        while position < clumpOrder.count && clumpOrder[position].clump == clump {
                            let i = Int(clumpOrder[position].pixel)
                            let lv = level(i)
                            push(i, lv)
                            current = max(current, lv)
                            position += 1
                        }
                    while current >= 0 {
                        let top = head[current]
                        if top < 0 { current -= 1; continue }
                        let p = Int(top)
                        head[current] = next[p]
                        if head[current] < 0 { tail[current] = -1 }
                        let px = p % width, py = p / width
                        var own = find(l[p])
                        for k in 0..<count {
                            let nx = px + dxs[k], ny = py + dys[k]
                            guard nx >= 0, nx < width, ny >= 0, ny < height else { continue }
                            let q = ny * width + nx
                            guard m[q] != 0 else { continue }
                            if l[q] == 0 {
                                l[q] = own
                                push(q, min(current, level(q)))
                                continue
                            }
                            let other = find(l[q])
                            if other == own { continue }
                            let saddle = min(seedDepth[p], seedDepth[q])
                            let a = Int(own), b = Int(other)
                            let lower = min(peak[a], peak[b])
                            let dx = peakX[a] - peakX[b], dy = peakY[a] - peakY[b]
                            if lower - saddle < dynamic || dx * dx + dy * dy < minimumDistanceSquared {
                                // The taller peak (then the earlier seed) names the merged basin.
                                let keepA = peak[a] > peak[b] || (peak[a] == peak[b] && a < b)
                                let (keep, drop) = keepA ? (own, other) : (other, own)
                                parent[Int(drop)] = keep
                                own = keep
                            }
                        }
                    }
                    }
                    for i in 0..<n where l[i] != 0 { l[i] = find(l[i]) }
                }
            }
            }
        }
        guard let flood else { return labels }
        // The seeds that survived as nuclei (each seed pixel with its merged basin's label) mark the flood on
        // the other surface.
        var markers = [Int32](repeating: 0, count: n)
        for seed in seeds { markers[Int(seed)] = labels[Int(seed)] }
        return Self.flood(markers: markers, mask: mask, surface: flood, width: width, height: height,
                          connectivity: connectivity)
    }

    /// Marker-controlled flooding without merges: every pixel of `mask` takes the label of the marker whose
    /// basin reaches it first when `surface` is flooded from its highest level down. Used to draw the dividing
    /// lines along another surface once `split` has decided, on the seed surface, which seeds are nuclei.
    static func flood(markers: [Int32], mask: [UInt8], surface: [Float], width: Int, height: Int,
                      connectivity: Int) -> [Int32] {
        let n = width * height
        var labels = [Int32](repeating: 0, count: n)
        guard n > 0 else { return labels }
        let neighbours = Neighbourhood(connectivity: connectivity)
        var maxLevel: Float = 0
        for i in 0..<n where mask[i] != 0 && surface[i] > maxLevel { maxLevel = surface[i] }
        let levelCount = Int(maxLevel * levelsPerPixel) + 2
        var head = [Int32](repeating: -1, count: levelCount), tail = [Int32](repeating: -1, count: levelCount)
        var next = [Int32](repeating: -1, count: n)
        func level(_ i: Int) -> Int { min(levelCount - 1, max(0, Int(surface[i] * levelsPerPixel))) }
        func push(_ i: Int, _ lv: Int) {
            next[i] = -1
            if tail[lv] < 0 { head[lv] = Int32(i) } else { next[Int(tail[lv])] = Int32(i) }
            tail[lv] = Int32(i)
        }
        var current = 0
        for i in 0..<n where markers[i] != 0 && mask[i] != 0 {
            labels[i] = markers[i]
            let lv = level(i)
            push(i, lv)
            current = max(current, lv)
        }
        while current >= 0 {
            let top = head[current]
            if top < 0 { current -= 1; continue }
            let p = Int(top)
            head[current] = next[p]
            if head[current] < 0 { tail[current] = -1 }
            let px = p % width, py = p / width
            for k in 0..<neighbours.dx.count {
                let nx = px + neighbours.dx[k], ny = py + neighbours.dy[k]
                guard nx >= 0, nx < width, ny >= 0, ny < height else { continue }
                let q = ny * width + nx
                guard mask[q] != 0, labels[q] == 0 else { continue }
                labels[q] = labels[p]
                push(q, min(current, level(q)))
            }
        }
        return labels
    }
}
