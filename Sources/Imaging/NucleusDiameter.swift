/// The typical nucleus diameter of an image, estimated from its thresholded mask, so that seed spacing and size
/// limits follow the magnification instead of being fixed in pixels (CellProfiler asks the user for it; we
/// measure it, and the user can still give it).
enum NucleusDiameter {
    /// Twice the median, over objects of at least `minimumArea` pixels, of each object's deepest distance to
    /// the background, plus one pixel (the distance of a disc's centre pixel falls half a pixel short at each
    /// side). The deepest point, not the area: a clump of touching nuclei is as deep as one of its nuclei, so
    /// images where most nuclei touch still give a nucleus's size. Nil without such objects.
    static func estimate(mask: [UInt8], distance: [Float], width: Int, height: Int, connectivity: Int,
                         minimumArea: Int) -> Double? {
        guard width > 0, height > 0, distance.count == mask.count else { return nil }
        let runs = RunComponents(mask: mask, width: width, height: height, foreground: true,
                                 connectivity: connectivity)
        var area = [Int](repeating: 0, count: runs.runCount)
        var deepest = [Float](repeating: 0, count: runs.runCount)
        distance.withUnsafeBufferPointer { d in
            for r in 0..<runs.runCount {
                let root = runs.root[r], base = Int(runs.rows[r]) * width
                area[root] += Int(runs.ends[r] - runs.starts[r]) + 1
                for x in Int(runs.starts[r])...Int(runs.ends[r]) where d[base + x] > deepest[root] {
                    deepest[root] = d[base + x]
                }
            }
        }
        var depths: [Float] = []
        for r in 0..<runs.runCount where area[r] > 0 && area[r] >= max(1, minimumArea) { depths.append(deepest[r]) }
        guard !depths.isEmpty else { return nil }
        depths.sort()
        return 2 * Double(depths[depths.count / 2]) + 1
    }
}
