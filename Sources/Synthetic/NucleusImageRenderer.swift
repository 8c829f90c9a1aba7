/// One rendered field of view: two 16-bit channels, the label mask and the truth of every nucleus.
///
/// All buffers are row-major, `width * height` long; pixel (x, y) is at `y * width + x`.
public struct SyntheticField: Sendable {
    public let width: Int
    public let height: Int
    /// Nuclear stain (Hoechst/DAPI-like), the channel the classifier sees.
    public var nuclear: [UInt16]
    /// Infection reporter (GFP-like): bright in infected nuclei.
    public var reporter: [UInt16]
    /// 0 for background, otherwise the `label` of the nucleus owning the pixel (where two overlap, the one whose
    /// centre is nearer in its own ellipse's terms).
    public var labels: [Int32]
    /// Truth for every drawn nucleus, in label order (`nuclei[i].label == i + 1`).
    public var nuclei: [NucleusTruth]
}

/// Draws synthetic nuclear-stain and reporter images with known truth.
///
/// What it models: elliptical nuclei with chromatin texture and dim nucleoli; some touching neighbours; HSV-1
/// margination (bright rim, dim centre), adenovirus replication-centre foci, late lytic shrunken fragmented nuclei;
/// a reporter bright in infected nuclei; smooth uneven illumination; camera offset, shot noise and read noise.
/// Rendering only allocates whole-image buffers, never per pixel; a 512×512 field takes a few milliseconds.
public struct NucleusImageRenderer: Sendable {
    public let settings: FieldSettings

    public init(settings: FieldSettings = FieldSettings()) {
        self.settings = settings
    }

    /// Renders one field from its own seed. `nucleusCount` defaults to `settings.defaultNucleusCount`; fewer are
    /// drawn when the field has no room left. Each nucleus is infected with `infectionProbability`.
    public func render(nucleusCount: Int? = nil, infectionProbability: Double, virus: Virus,
                       seed: UInt64) -> SyntheticField {
        var generator = SeededGenerator(seed: seed)
        return render(nucleusCount: nucleusCount, infectionProbability: infectionProbability, virus: virus,
                      generator: &generator)
    }

    /// Renders one field, drawing every random number from `generator` in a fixed order.
    public func render(nucleusCount: Int? = nil, infectionProbability: Double, virus: Virus,
                       generator: inout SeededGenerator) -> SyntheticField {
        let width = max(1, settings.width)
        let height = max(1, settings.height)
        let count = max(0, nucleusCount ?? settings.defaultNucleusCount)
        let plans = NucleusLayout.plan(count: count, infectionProbability: min(max(infectionProbability, 0), 1),
                                       virus: virus, settings: settings, generator: &generator)
        let fine = ValueNoise(width: width, height: height, spacing: 3, generator: &generator)
        let coarse = ValueNoise(width: width, height: height, spacing: 8, generator: &generator)
        let outline = ValueNoise(width: width, height: height, spacing: 5, generator: &generator)

        let pixelCount = width * height
        var nuclearSignal = [Float](repeating: 0, count: pixelCount)
        var reporterSignal = [Float](repeating: 0, count: pixelCount)
        var labels = [Int32](repeating: 0, count: pixelCount)
        var ownership = [Float](repeating: .infinity, count: pixelCount)
        nuclearSignal.withUnsafeMutableBufferPointer { nuclear in
            reporterSignal.withUnsafeMutableBufferPointer { reporter in
                labels.withUnsafeMutableBufferPointer { labels in
                    ownership.withUnsafeMutableBufferPointer { ownership in
                        let canvas = Canvas(width: width, height: height, nuclear: nuclear, reporter: reporter,
                                            labels: labels, ownership: ownership)
                        for (index, plan) in plans.enumerated() {
                            canvas.draw(plan, label: Int32(index + 1), fine: fine, coarse: coarse, outline: outline)
                        }
                    }
                }
            }
        }

        let illumination = Illumination(width: width, height: height, generator: &generator)
        let camera = Camera(offset: settings.backgroundOffset, gain: max(settings.gain, 1e-6),
                            readNoise: max(settings.readNoise, 0))
        let nuclear = camera.expose(nuclearSignal, width: width, background: 120, illumination: illumination,
                                    generator: &generator)
        let reporter = camera.expose(reporterSignal, width: width, background: 40, illumination: illumination,
                                     generator: &generator)
        let truth = plans.enumerated().map { $0.element.truth(label: Int32($0.offset + 1)) }
        return SyntheticField(width: width, height: height, nuclear: nuclear, reporter: reporter, labels: labels,
                              nuclei: truth)
    }
}

/// The noise-free signal buffers nuclei are drawn into.
private struct Canvas {
    let width: Int
    let height: Int
    let nuclear: UnsafeMutableBufferPointer<Float>
    let reporter: UnsafeMutableBufferPointer<Float>
    let labels: UnsafeMutableBufferPointer<Int32>
    /// The owning nucleus' normalised radius at each pixel; a smaller one takes the pixel over.
    let ownership: UnsafeMutableBufferPointer<Float>

    /// Reporter leaking into the cytoplasm around an infected nucleus, as GFP does: a faint halo out to 1.8 radii.
    private static let haloReach: Float = 1.8
    private static let haloLevel: Float = 0.05

    func draw(_ plan: NucleusPlan, label: Int32, fine: ValueNoise, coarse: ValueNoise, outline: ValueNoise) {
        let cx = Float(plan.x)
        let cy = Float(plan.y)
        let cosA = Float(plan.cosAngle)
        let sinA = Float(plan.sinAngle)
        let inverseMajor2 = Float(1 / (plan.radiusMajor * plan.radiusMajor))
        let inverseMinor2 = Float(1 / (plan.radiusMinor * plan.radiusMinor))
        // Pixels per unit of normalised radius, so the edge is about one pixel soft whatever the size.
        let edgeScale = Float((plan.radiusMajor * plan.radiusMinor).squareRoot())
        let infected = plan.phenotype.isInfected
        let reach = max(plan.extent, infected ? plan.radiusMajor * Double(Canvas.haloReach) + 1 : 0)
        let x0 = max(0, Int(plan.x - reach))
        let x1 = min(width - 1, Int(plan.x + reach) + 1)
        let y0 = max(0, Int(plan.y - reach))
        let y1 = min(height - 1, Int(plan.y + reach) + 1)
        guard x0 <= x1, y0 <= y1 else { return }

        for y in y0...y1 {
            let py = Float(y)
            for x in x0...x1 {
                let px = Float(x)
                let dx = px - cx
                let dy = py - cy
                let u = dx * cosA + dy * sinA
                let v = -dx * sinA + dy * cosA
                var radius = (u * u * inverseMajor2 + v * v * inverseMinor2).squareRoot()
                if plan.irregularity > 0 {
                    radius *= 1 + plan.irregularity * (outline.sample(px, py) - 0.5) * 2
                }
                var coverage = min(max((1 - radius) * edgeScale + 0.5, 0), 1)
                var ownRadius = radius
                for fragment in plan.fragments {
                    let fx = px - fragment.x
                    let fy = py - fragment.y
                    let distance = (fx * fx + fy * fy).squareRoot()
                    coverage = max(coverage, min(max(fragment.radius - distance + 0.5, 0), 1))
                    // Fragments never outrank another nucleus' centre.
                    ownRadius = min(ownRadius, 0.5 + 0.5 * distance / fragment.radius)
                }
                let index = y * width + x
                if coverage > 0 {
                    let texture = 0.6 * fine.sample(px, py) + 0.4 * coarse.sample(px, py)
                    let value = stainIntensity(plan, radius: radius, texture: texture, px: px, py: py)
                    nuclear[index] += coverage * value
                    reporter[index] += coverage * plan.reporter * (0.9 + 0.2 * texture)
                    if ownRadius <= 1, ownRadius < ownership[index] {
                        ownership[index] = ownRadius
                        labels[index] = label
                    }
                } else if infected, radius < Canvas.haloReach {
                    reporter[index] += plan.reporter * Canvas.haloLevel * (Canvas.haloReach - radius)
                        / (Canvas.haloReach - 1)
                }
            }
        }
    }

    /// Nuclear-stain signal inside the nucleus at normalised radius `radius`, before edge coverage.
    @inline(__always)
    private func stainIntensity(_ plan: NucleusPlan, radius: Float, texture: Float, px: Float, py: Float) -> Float {
        var profile: Float
        var textureAmplitude = plan.texture
        let r2 = radius * radius
        switch plan.phenotype {
        case .uninfected:
            profile = 1 - 0.12 * r2
        case .hsv1:
            // Margination: chromatin pressed against the envelope, a dim homogeneous centre.
            let rim = smoothstep(0.5, 0.88, radius)
            profile = 0.5 + 0.75 * rim
            textureAmplitude *= 0.35 + 0.65 * rim
        case .hadv:
            profile = 0.95 - 0.1 * r2
        case .lytic:
            profile = 1 - 0.05 * r2
        }
        var value = plan.brightness * profile * (1 + textureAmplitude * (texture - 0.5) * 2)
        for spot in plan.spots {
            let sx = px - spot.x
            let sy = py - spot.y
            let d2 = sx * sx + sy * sy
            let s2 = spot.sigma * spot.sigma
            if d2 < 9 * s2 {
                value += plan.brightness * spot.amplitude * Float(DeterministicMath.exp(Double(-d2 / (2 * s2))))
            }
        }
        return max(value, 0)
    }

    @inline(__always)
    private func smoothstep(_ edge0: Float, _ edge1: Float, _ x: Float) -> Float {
        let t = min(max((x - edge0) / (edge1 - edge0), 0), 1)
        return t * t * (3 - 2 * t)
    }
}

/// Smooth uneven illumination: an off-centre vignette (15–30% darker at the far corner) and a slight tilt.
struct Illumination {
    private let centreX: Double
    private let centreY: Double
    private let vignetting: Double
    private let inverseReach2: Double
    private let tiltX: Double
    private let tiltY: Double
    private let width: Double
    private let height: Double

    init(width: Int, height: Int, generator: inout SeededGenerator) {
        self.width = Double(width)
        self.height = Double(height)
        centreX = self.width * generator.uniform(0.35, 0.65)
        centreY = self.height * generator.uniform(0.35, 0.65)
        vignetting = generator.uniform(0.15, 0.3)
        tiltX = generator.uniform(-0.08, 0.08)
        tiltY = generator.uniform(-0.08, 0.08)
        let farX = max(centreX, self.width - centreX)
        let farY = max(centreY, self.height - centreY)
        inverseReach2 = 1 / max(farX * farX + farY * farY, 1)
    }

    @inline(__always)
    func factor(x: Int, y: Int) -> Double {
        let dx = Double(x) - centreX
        let dy = Double(y) - centreY
        let vignette = 1 - vignetting * (dx * dx + dy * dy) * inverseReach2
        let tilt = 1 + tiltX * (Double(x) / width - 0.5) + tiltY * (Double(y) / height - 0.5)
        return vignette * tilt
    }
}

/// An sCMOS-like camera: offset, shot noise on photoelectrons, Gaussian read noise, 16-bit clipping.
struct Camera {
    let offset: Double
    let gain: Double
    let readNoise: Double

    /// Turns a noise-free signal (counts) into camera pixels. Above 30 photoelectrons shot and read noise are
    /// drawn as one Gaussian of the summed variance (the Poisson law is normal there); below, Poisson exactly.
    func expose(_ signal: [Float], width: Int, background: Double, illumination: Illumination,
                generator: inout SeededGenerator) -> [UInt16] {
        var output = [UInt16](repeating: 0, count: signal.count)
        let readVariance = readNoise * readNoise
        let exactBelow = 30 * gain
        signal.withUnsafeBufferPointer { signal in
            output.withUnsafeMutableBufferPointer { output in
                let height = signal.count / width
                for y in 0..<height {
                    let row = y * width
                    for x in 0..<width {
                        let light = illumination.factor(x: x, y: y) * (Double(signal[row + x]) + background)
                        var value: Double
                        if light >= exactBelow {
                            value = offset + light + (gain * light + readVariance).squareRoot() * generator.gaussian()
                        } else {
                            value = offset + gain * Double(generator.poisson(max(light, 0) / gain))
                                + readNoise * generator.gaussian()
                        }
                        output[row + x] = UInt16(min(max(value + 0.5, 0), 65535))
                    }
                }
            }
        }
        return output
    }
}
