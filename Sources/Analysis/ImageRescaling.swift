import Foundation
import Imaging

/// Resamples an image so its nuclei have the size a model was trained at (scale normalisation): a campaign
/// imaged at another magnification, or of a cell line with bigger nuclei, then meets the model at its own scale.
public enum ImageRescaling {
    /// The image resampled by `factor` (> 0): bilinear when enlarging, the mean of each output pixel's footprint
    /// when shrinking (plain sampling would alias the camera noise into texture the model reads).
    public static func resample(_ image: Image, by factor: Double) -> Image {
        guard factor.isFinite, factor > 0, abs(factor - 1) > 1e-6 else { return image }
        let width = max(1, Int((Double(image.width) * factor).rounded()))
        let height = max(1, Int((Double(image.height) * factor).rounded()))
        var out = [Float](repeating: 0, count: width * height)
        let w = image.width, h = image.height
        image.pixels.withUnsafeBufferPointer { p in
            if factor >= 1 {
                for y in 0..<height {
                    let sy = min(Double(h - 1), max(0, (Double(y) + 0.5) / factor - 0.5))
                    let y0 = Int(sy), y1 = min(h - 1, y0 + 1), ty = Float(sy - Double(y0))
                    for x in 0..<width {
                        let sx = min(Double(w - 1), max(0, (Double(x) + 0.5) / factor - 0.5))
                        let x0 = Int(sx), x1 = min(w - 1, x0 + 1), tx = Float(sx - Double(x0))
                        let top = p[y0 * w + x0] * (1 - tx) + p[y0 * w + x1] * tx
                        let bottom = p[y1 * w + x0] * (1 - tx) + p[y1 * w + x1] * tx
                        out[y * width + x] = top * (1 - ty) + bottom * ty
                    }
                }
            } else {
                for y in 0..<height {
                    let ya = min(h - 1, Int(Double(y) / factor)), yb = max(ya + 1, min(h, Int(Double(y + 1) / factor)))
                    for x in 0..<width {
                        let xa = min(w - 1, Int(Double(x) / factor)), xb = max(xa + 1, min(w, Int(Double(x + 1) / factor)))
                        var sum: Float = 0
                        for sy in ya..<yb { for sx in xa..<xb { sum += p[sy * w + sx] } }
                        out[y * width + x] = sum / Float((yb - ya) * (xb - xa))
                    }
                }
            }
        }
        return Image(width: width, height: height, pixels: out)
    }

    /// The factor that brings a campaign's median nucleus diameter to the training median (from the domain
    /// check's comparison); nil when the verdict has no diameter comparison.
    public static func factor(for verdict: DomainVerdict) -> Double? {
        guard let diameter = verdict.comparisons.first(where: { $0.feature == "diameter_px" }),
              diameter.campaignMedian > 0, diameter.trainingMedian > 0 else { return nil }
        return diameter.trainingMedian / diameter.campaignMedian
    }
}
