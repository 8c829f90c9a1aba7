/// Smooth random texture: random values on a coarse grid, interpolated with a smoothstep.
///
/// Cheap enough to sample per pixel (no allocation after `init`) and smooth at the scale of the grid spacing,
/// which is what chromatin texture and irregular lytic outlines need.
struct ValueNoise {
    private let spacing: Float
    private let gridWidth: Int
    private let gridHeight: Int
    private let values: [Float]

    init(width: Int, height: Int, spacing: Int, generator: inout SeededGenerator) {
        self.spacing = Float(spacing)
        gridWidth = width / spacing + 3
        gridHeight = height / spacing + 3
        var values = [Float](repeating: 0, count: gridWidth * gridHeight)
        for index in values.indices { values[index] = Float(generator.uniform()) }
        self.values = values
    }

    /// A value in [0, 1] with mean about 0.5; `x`, `y` may lie anywhere in (or slightly outside) the image.
    @inline(__always)
    func sample(_ x: Float, _ y: Float) -> Float {
        let gx = max(0, x / spacing + 1)
        let gy = max(0, y / spacing + 1)
        let ix = min(Int(gx), gridWidth - 2)
        let iy = min(Int(gy), gridHeight - 2)
        var fx = min(max(gx - Float(ix), 0), 1)
        var fy = min(max(gy - Float(iy), 0), 1)
        fx = fx * fx * (3 - 2 * fx)
        fy = fy * fy * (3 - 2 * fy)
        let base = iy * gridWidth + ix
        return values.withUnsafeBufferPointer { v in
            let top = v[base] + (v[base + 1] - v[base]) * fx
            let bottom = v[base + gridWidth] + (v[base + gridWidth + 1] - v[base + gridWidth]) * fx
            return top + (bottom - top) * fy
        }
    }
}
