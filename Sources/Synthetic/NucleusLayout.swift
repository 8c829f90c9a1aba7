/// A Gaussian spot inside a nucleus: a nucleolus (negative amplitude) or a replication centre (positive).
struct Spot {
    var x: Float
    var y: Float
    var sigma: Float
    /// In units of the nucleus' brightness.
    var amplitude: Float
}

/// A small disc drawn with a lytic nucleus' label: a fragment of the breaking-up nucleus.
struct Fragment {
    var x: Float
    var y: Float
    var radius: Float
}

/// Everything needed to draw one nucleus, decided before any pixel is touched.
struct NucleusPlan {
    var x: Double
    var y: Double
    var radiusMajor: Double
    var radiusMinor: Double
    var angle: Double
    var cosAngle: Double
    var sinAngle: Double
    var phenotype: Phenotype
    /// Nuclear-stain signal above background at the centre of a flat nucleus (counts, before illumination).
    var brightness: Float = 0
    /// Reporter signal inside the nucleus (counts, before illumination).
    var reporter: Float = 0
    /// Relative amplitude of the chromatin texture.
    var texture: Float = 0
    /// Relative wobble of a lytic nucleus' outline.
    var irregularity: Float = 0
    var spots: [Spot] = []
    var fragments: [Fragment] = []
    /// Distance from the centre beyond which nothing of this nucleus is drawn (reporter halo excepted).
    var extent: Double

    init(x: Double, y: Double, radiusMajor: Double, radiusMinor: Double, angle: Double, phenotype: Phenotype) {
        self.x = x
        self.y = y
        self.radiusMajor = radiusMajor
        self.radiusMinor = radiusMinor
        self.angle = angle
        let (s, c) = DeterministicMath.sinCos(angle)
        cosAngle = c
        sinAngle = s
        self.phenotype = phenotype
        extent = phenotype == .lytic ? radiusMajor * 1.6 + 3 : radiusMajor + 1.5
    }

    /// The ellipse's radius in the direction (dx, dy), a unit vector.
    func radius(alongX dx: Double, y dy: Double) -> Double {
        let u = dx * cosAngle + dy * sinAngle
        let v = -dx * sinAngle + dy * cosAngle
        let q = (u / radiusMajor) * (u / radiusMajor) + (v / radiusMinor) * (v / radiusMinor)
        return 1 / q.squareRoot()
    }

    /// A point inside the ellipse at normalised radius up to `maxRadius`, uniformly by area.
    func randomInteriorPoint(maxRadius: Double, generator: inout SeededGenerator) -> (x: Float, y: Float) {
        let r = maxRadius * generator.uniform().squareRoot()
        let (s, c) = DeterministicMath.sinCos(generator.uniform(0, DeterministicMath.twoPi))
        let u = radiusMajor * r * c
        let v = radiusMinor * r * s
        return (Float(x + u * cosAngle - v * sinAngle), Float(y + u * sinAngle + v * cosAngle))
    }

    func truth(label: Int32) -> NucleusTruth {
        NucleusTruth(label: label, x: x, y: y, radiusMajor: radiusMajor, radiusMinor: radiusMinor, angle: angle,
                     phenotype: phenotype)
    }
}

/// Decides where nuclei go, how big they are and what they look like, before drawing.
///
/// Nuclei are kept apart except for a chosen share placed against a neighbour (touching or overlapping by up to
/// 15% of their radii), as in a real monolayer; every centre stays inside its own nucleus so truth centroids
/// land on their labels.
enum NucleusLayout {
    static func plan(count: Int, infectionProbability: Double, virus: Virus, settings: FieldSettings,
                     generator: inout SeededGenerator) -> [NucleusPlan] {
        var plans: [NucleusPlan] = []
        plans.reserveCapacity(count)
        let pairProbability = min(1, max(0, settings.contactFraction) * 0.6)
        // Consecutive nuclei that found no room: past a few dozen the field is full, and trying on would only
        // cost quadratic time for nothing.
        var misses = 0
        for _ in 0..<count where misses < 40 {
            let infected = generator.bernoulli(infectionProbability)
            let phenotype: Phenotype = infected
                ? (generator.bernoulli(settings.lyticFraction) ? .lytic : virus.phenotype) : .uninfected
            var nucleus = shape(phenotype: phenotype, settings: settings, generator: &generator)
            let placed: Bool
            if !plans.isEmpty, generator.bernoulli(pairProbability) {
                placed = placeAgainstNeighbour(&nucleus, among: plans, settings: settings, generator: &generator)
                    || placeFree(&nucleus, among: plans, settings: settings, generator: &generator)
            } else {
                placed = placeFree(&nucleus, among: plans, settings: settings, generator: &generator)
            }
            guard placed else {
                misses += 1
                continue
            }
            misses = 0
            decorate(&nucleus, generator: &generator)
            plans.append(nucleus)
        }
        return plans
    }

    /// Size, eccentricity and orientation; infected nuclei swell (×1.3–1.6 area), lytic ones shrink.
    private static func shape(phenotype: Phenotype, settings: FieldSettings,
                              generator: inout SeededGenerator) -> NucleusPlan {
        let median = settings.nucleusDiameter
        var diameter = min(max(generator.logNormal(median: median, sigma: 0.2), 0.6 * median), 1.5 * median)
        var aspect = generator.uniform(0.6, 1.0)
        switch phenotype {
        case .uninfected: break
        case .hsv1, .hadv: diameter *= generator.uniform(1.3, 1.6).squareRoot()
        case .lytic:
            diameter *= generator.uniform(0.45, 0.7).squareRoot()
            aspect = generator.uniform(0.5, 0.9)
        }
        let radius = diameter / 2
        let major = radius / aspect.squareRoot()
        let minor = radius * aspect.squareRoot()
        let angle = generator.uniform(0, DeterministicMath.twoPi / 2)
        return NucleusPlan(x: 0, y: 0, radiusMajor: major, radiusMinor: minor, angle: angle, phenotype: phenotype)
    }

    private static func fits(_ nucleus: NucleusPlan, settings: FieldSettings) -> Bool {
        let margin = nucleus.extent + 1
        return nucleus.x >= margin && nucleus.y >= margin
            && nucleus.x <= Double(settings.width - 1) - margin && nucleus.y <= Double(settings.height - 1) - margin
    }

    private static func clear(_ nucleus: NucleusPlan, of others: [NucleusPlan], except partner: Int?) -> Bool {
        for (index, other) in others.enumerated() where index != partner {
            let dx = nucleus.x - other.x
            let dy = nucleus.y - other.y
            let gap = nucleus.extent + other.extent + 2
            if dx * dx + dy * dy < gap * gap { return false }
        }
        return true
    }

    private static func placeFree(_ nucleus: inout NucleusPlan, among others: [NucleusPlan], settings: FieldSettings,
                                  generator: inout SeededGenerator) -> Bool {
        for _ in 0..<60 {
            nucleus.x = generator.uniform(0, Double(settings.width - 1))
            nucleus.y = generator.uniform(0, Double(settings.height - 1))
            if fits(nucleus, settings: settings), clear(nucleus, of: others, except: nil) { return true }
        }
        return false
    }

    /// Puts the nucleus against a random neighbour, at 0.85–1.0 times the sum of their radii along the line
    /// joining them: touching, or overlapping a little, never covering the other's centre.
    private static func placeAgainstNeighbour(_ nucleus: inout NucleusPlan, among others: [NucleusPlan],
                                              settings: FieldSettings, generator: inout SeededGenerator) -> Bool {
        for _ in 0..<12 {
            let partnerIndex = generator.integer(in: 0...(others.count - 1))
            let partner = others[partnerIndex]
            let (s, c) = DeterministicMath.sinCos(generator.uniform(0, DeterministicMath.twoPi))
            let reach = partner.radius(alongX: c, y: s) + nucleus.radius(alongX: c, y: s)
            let distance = reach * generator.uniform(0.85, 1.0)
            nucleus.x = partner.x + distance * c
            nucleus.y = partner.y + distance * s
            if fits(nucleus, settings: settings), clear(nucleus, of: others, except: partnerIndex) { return true }
        }
        return false
    }

    /// Brightness, reporter level, texture, nucleoli, replication centres and fragments.
    private static func decorate(_ nucleus: inout NucleusPlan, generator: inout SeededGenerator) {
        nucleus.brightness = Float(generator.uniform(5500, 13000))
        nucleus.texture = Float(generator.uniform(0.12, 0.25))
        switch nucleus.phenotype {
        case .uninfected:
            nucleus.reporter = Float(generator.logNormal(median: 250, sigma: 0.4))
            addNucleoli(&nucleus, count: generator.integer(in: 1...3), generator: &generator)
        case .hsv1:
            nucleus.reporter = Float(generator.logNormal(median: 6000, sigma: 0.3))
            addNucleoli(&nucleus, count: generator.integer(in: 0...1), generator: &generator)
        case .hadv:
            nucleus.reporter = Float(generator.logNormal(median: 6000, sigma: 0.3))
            nucleus.brightness *= 0.85
            addNucleoli(&nucleus, count: generator.integer(in: 0...2), generator: &generator)
            for _ in 0..<generator.integer(in: 3...8) {
                let point = nucleus.randomInteriorPoint(maxRadius: 0.65, generator: &generator)
                nucleus.spots.append(Spot(x: point.x, y: point.y, sigma: Float(generator.uniform(1.4, 2.6)),
                                          amplitude: Float(generator.uniform(0.8, 1.6))))
            }
        case .lytic:
            nucleus.reporter = Float(generator.logNormal(median: 7000, sigma: 0.3))
            nucleus.brightness *= Float(generator.uniform(1.4, 1.9))
            nucleus.texture = Float(generator.uniform(0.3, 0.45))
            nucleus.irregularity = Float(generator.uniform(0.12, 0.25))
            for _ in 0..<generator.integer(in: 1...3) {
                let (s, c) = DeterministicMath.sinCos(generator.uniform(0, DeterministicMath.twoPi))
                let distance = nucleus.radius(alongX: c, y: s) * generator.uniform(1.15, 1.45)
                nucleus.fragments.append(Fragment(x: Float(nucleus.x + distance * c),
                                                  y: Float(nucleus.y + distance * s),
                                                  radius: Float(generator.uniform(1.5, 3.0))))
            }
        }
    }

    private static func addNucleoli(_ nucleus: inout NucleusPlan, count: Int, generator: inout SeededGenerator) {
        for _ in 0..<count {
            let point = nucleus.randomInteriorPoint(maxRadius: 0.5, generator: &generator)
            nucleus.spots.append(Spot(x: point.x, y: point.y, sigma: Float(generator.uniform(1.5, 2.5)),
                                      amplitude: -Float(generator.uniform(0.25, 0.4))))
        }
    }
}
