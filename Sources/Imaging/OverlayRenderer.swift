/// Renders a segmentation for a person to check: the image contrast-stretched to 8-bit grey (0.5–99.5th
/// percentiles) with every nucleus outlined in its own colour.
public enum OverlayRenderer {
    /// Interleaved RGB bytes, `width * height * 3`, ready for `TIFFWriter.writeRGB8`.
    public static func render(image: Image, segmentation: Segmentation) -> [UInt8] {
        let width = image.width, height = image.height, n = width * height
        var rgb = [UInt8](repeating: 0, count: n * 3)
        guard n > 0, segmentation.width == width, segmentation.height == height else { return rgb }
        let sample = stride(from: 0, to: n, by: max(1, n / 65_536)).map { image.pixels[$0] }.filter(\.isFinite).sorted()
        let lo = sample.isEmpty ? 0 : sample[Int(Double(sample.count - 1) * 0.005)]
        let hi = sample.isEmpty ? 1 : sample[Int(Double(sample.count - 1) * 0.995)]
        let scale = hi > lo ? 255 / (hi - lo) : 0
        let labels = segmentation.labels
        for i in 0..<n {
            let v = image.pixels[i]
            let grey = UInt8(v.isFinite ? min(255, max(0, (v - lo) * scale)) : 0)
            rgb[3 * i] = grey; rgb[3 * i + 1] = grey; rgb[3 * i + 2] = grey
            let k = labels[i]
            guard k != 0 else { continue }
            let x = i % width, y = i / width
            let edge = x == 0 || y == 0 || x == width - 1 || y == height - 1
                || labels[i - 1] != k || labels[i + 1] != k || labels[i - width] != k || labels[i + width] != k
            if edge {
                let colour = colour(for: Int(k))
                rgb[3 * i] = colour.0; rgb[3 * i + 1] = colour.1; rgb[3 * i + 2] = colour.2
            }
        }
        return rgb
    }

    /// Saturated colours spaced by the golden angle, so neighbouring labels differ.
    static func colour(for label: Int) -> (UInt8, UInt8, UInt8) {
        let hue = (Double(label) * 137.507_764).truncatingRemainder(dividingBy: 360) / 60
        let x = 1 - abs(hue.truncatingRemainder(dividingBy: 2) - 1)
        let (r, g, b): (Double, Double, Double)
        switch Int(hue) {
        case 0: (r, g, b) = (1, x, 0)
        case 1: (r, g, b) = (x, 1, 0)
        case 2: (r, g, b) = (0, 1, x)
        case 3: (r, g, b) = (0, x, 1)
        case 4: (r, g, b) = (x, 0, 1)
        default: (r, g, b) = (1, 0, x)
        }
        return (UInt8(55 + 200 * r), UInt8(55 + 200 * g), UInt8(55 + 200 * b))
    }
}
