/// The surfaces the declumping watershed runs on, all in pixels of depth so one `seedDynamic` and one seed
/// spacing serve every method (CellProfiler's IdentifyPrimaryObjects "shape" and "intensity" declumping).
struct DeclumpSurfaces {
    /// Seeds are the peaks of this surface.
    let seeds: [Float]
    /// The flood (dividing lines and merge test) runs on this one; nil: on `seeds`.
    let flood: [Float]?

    /// `distance` is the Euclidean distance transform of `mask`.
    init(mask: [UInt8], distance: [Float], smoothed: [Float], threshold: Float, width: Int, height: Int,
         diameter: Double, settings: SegmentationSettings) {
        let needsShape = settings.seedMethod != .intensity || settings.dividingLines == .shape
        let needsIntensity = settings.seedMethod != .shape || settings.dividingLines == .intensity
        let radius = Float(diameter / 2)
        let shape: [Float] = needsShape ? GaussianFilter.smooth(
            distance, width: width, height: height, sigma: settings.distanceSmoothingSigma) : []
        let intensity: [Float] = needsIntensity ? Self.intensitySurface(
            mask: mask, smoothed: smoothed, threshold: threshold, width: width, height: height,
            diameter: diameter, blur: settings.intensitySeedBlur) : []
        let seedSurface: [Float]
        switch settings.seedMethod {
        case .shape: seedSurface = shape
        case .intensity: seedSurface = intensity
        case .shapeAndIntensity:
            // The distance is capped at the nucleus radius: inside a big clump its depth would otherwise
            // outweigh the brightness of a smaller neighbour's centre.
            var sum = [Float](repeating: 0, count: mask.count)
            for i in 0..<mask.count where mask[i] != 0 { sum[i] = min(shape[i], radius) + intensity[i] }
            seedSurface = sum
        }
        seeds = seedSurface
        switch settings.dividingLines {
        case .seeds: flood = nil
        case .shape: flood = settings.seedMethod == .shape ? nil : shape
        case .intensity: flood = settings.seedMethod == .intensity ? nil : intensity
        }
    }

    /// The image blurred to `blur` of the nucleus diameter (each nucleus becomes one rounded hill, its
    /// texture gone), mapped inside the mask from the threshold (0) to the brightest blurred pixel (one nucleus
    /// radius), and 0 outside: bright centres as peaks, in depth units. Not clipped: a plateau at the top would
    /// make touching bright nuclei one.
    static func intensitySurface(mask: [UInt8], smoothed: [Float], threshold: Float, width: Int, height: Int,
                                 diameter: Double, blur: Double) -> [Float] {
        let n = mask.count
        let blurred = BoxBlur.gaussianApproximation(smoothed, width: width, height: height,
                                                    sigma: blur * diameter)
        var top = -Float.infinity
        for i in 0..<n where mask[i] != 0 { top = max(top, blurred[i]) }
        var surface = [Float](repeating: 0, count: n)
        guard top.isFinite else { return surface }
        let span = max(top - threshold, Float.ulpOfOne * max(1, abs(top)))
        let scale = Float(diameter / 2) / span
        for i in 0..<n where mask[i] != 0 {
            surface[i] = max(blurred[i] - threshold, 0) * scale
        }
        return surface
    }
}
