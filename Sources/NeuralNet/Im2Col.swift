/// Geometry of a 2-D convolution over one sample.
struct ConvGeometry: Sendable, Equatable {
    let inChannels: Int, height: Int, width: Int
    let outChannels: Int, kernel: Int, stride: Int, padding: Int
    var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    /// Rows of the im2col matrix: one per (input channel, ky, kx).
    var patchSize: Int { inChannels * kernel * kernel }
    var outPixels: Int { outHeight * outWidth }
    /// A 1×1 stride-1 unpadded conv reads its input directly as the column matrix.
    var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }
}

/// Unfolds one sample `[C, H, W]` into `[C·k·k, Ho·Wo]` so the convolution becomes one sgemm.
/// Rows are copied as runs where the stride is 1, which is the common case.
func im2col(_ g: ConvGeometry, _ src: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>) {
    let ho = g.outHeight, wo = g.outWidth, k = g.kernel, s = g.stride, p = g.padding
    let h = g.height, w = g.width
    var row = col
    for c in 0..<g.inChannels {
        let plane = src + c * h * w
        for ky in 0..<k {
            for kx in 0..<k {
                // Output columns x with 0 <= x*s + kx - p < w.
                let xLo = max(0, (p - kx + s - 1) / s)
                let xHi = w - 1 + p - kx < 0 ? 0 : min(wo, (w - 1 + p - kx) / s + 1)
                for oy in 0..<ho {
                    let dst = row + oy * wo
                    let iy = oy * s + ky - p
                    if iy < 0 || iy >= h || xHi <= xLo {
                        dst.update(repeating: 0, count: wo)
                        continue
                    }
                    if xLo > 0 { dst.update(repeating: 0, count: xLo) }
                    let srcRow = plane + iy * w
                    if s == 1 {
                        (dst + xLo).update(from: srcRow + (xLo + kx - p), count: xHi - xLo)
                    } else {
                        var ix = xLo * s + kx - p
                        for ox in xLo..<xHi { dst[ox] = srcRow[ix]; ix += s }
                    }
                    if xHi < wo { (dst + xHi).update(repeating: 0, count: wo - xHi) }
                }
                row += ho * wo
            }
        }
    }
}

/// The adjoint of `im2col`: adds each column entry back onto the input position it was read from.
func col2imAdd(_ g: ConvGeometry, _ col: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>) {
    let ho = g.outHeight, wo = g.outWidth, k = g.kernel, s = g.stride, p = g.padding
    let h = g.height, w = g.width
    var row = col
    for c in 0..<g.inChannels {
        let plane = dst + c * h * w
        for ky in 0..<k {
            for kx in 0..<k {
                let xLo = max(0, (p - kx + s - 1) / s)
                let xHi = w - 1 + p - kx < 0 ? 0 : min(wo, (w - 1 + p - kx) / s + 1)
                for oy in 0..<ho {
                    let iy = oy * s + ky - p
                    guard iy >= 0, iy < h, xHi > xLo else { continue }
                    let srcRow = row + oy * wo
                    let out = plane + iy * w
                    var ix = xLo * s + kx - p
                    for ox in xLo..<xHi { out[ix] += srcRow[ox]; ix += s }
                }
                row += ho * wo
            }
        }
    }
}
