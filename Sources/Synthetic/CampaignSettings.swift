import Imaging
import Screening

/// Everything that decides a synthetic campaign; with the same settings the same bytes are written.
public struct CampaignSettings: Sendable, Codable, Equatable {
    public var plates: Int
    public var format: PlateFormat
    public var sitesPerWell: Int
    /// Width and height of every image, pixels.
    public var imageSize: Int
    public var virus: Virus
    public var seed: UInt64
    /// Mean nuclei per image (each image varies ±15%); nil for 40 per 512×512, scaled by area.
    public var nucleiPerImage: Int?
    /// Image only this many wells per plate (controls and a spread of the series), for quick demos; nil for all.
    public var wellLimit: Int?
    public var compression: TIFFCompression
    /// Also write each field's label mask as `truth/PLATE01_A01_s1_labels.tif` (16-bit, 0 background), for
    /// scoring segmentation.
    public var labelMasks: Bool
    public var dose: DoseResponse

    public init(plates: Int = 1, format: PlateFormat = .wells96, sitesPerWell: Int = 1, imageSize: Int = 512,
                virus: Virus = .hsv1, seed: UInt64 = 1, nucleiPerImage: Int? = nil, wellLimit: Int? = nil,
                compression: TIFFCompression = .none, labelMasks: Bool = false, dose: DoseResponse = DoseResponse()) {
        self.plates = plates
        self.format = format
        self.sitesPerWell = sitesPerWell
        self.imageSize = imageSize
        self.virus = virus
        self.seed = seed
        self.nucleiPerImage = nucleiPerImage
        self.wellLimit = wellLimit
        self.compression = compression
        self.labelMasks = labelMasks
        self.dose = dose
    }

    /// How each field is drawn.
    public var field: FieldSettings {
        FieldSettings(width: imageSize, height: imageSize)
    }

    /// Checks the ranges a campaign can be made with; the error names the offending setting.
    public func validate() throws {
        func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw SyntheticCampaignError.invalidSettings(message) }
        }
        try check((1...99).contains(plates), "plates must be 1–99, not \(plates)")
        try check((1...100).contains(sitesPerWell), "sites per well must be 1–100, not \(sitesPerWell)")
        try check((32...4096).contains(imageSize), "image size must be 32–4096 pixels, not \(imageSize)")
        if let nucleiPerImage {
            try check((0...5_000).contains(nucleiPerImage), "nuclei per image must be 0–5000, not \(nucleiPerImage)")
        }
        if let wellLimit {
            try check(wellLimit >= 1, "the well limit must be at least 1, not \(wellLimit)")
        }
        try check(dose.ic50 > 0 && dose.topConcentration > 0 && dose.dilutionFactor > 1,
                  "the dose response needs a positive IC50 and top concentration and a dilution factor above 1")
        for probability in [dose.top, dose.bottom, dose.negativeControl] {
            try check((0...1).contains(probability), "infection probabilities must lie in 0–1, not \(probability)")
        }
    }
}

/// Why a campaign could not be made; each case names the setting or file.
public enum SyntheticCampaignError: Error, CustomStringConvertible, Sendable {
    case invalidSettings(String)
    case outputNotEmpty(String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSettings(let message):
            return "invalid synthetic campaign settings: \(message)"
        case .outputNotEmpty(let path):
            return "output directory '\(path)' exists and is not empty (choose another, or overwrite it explicitly)"
        case .cannotWrite(let path, let reason):
            return "cannot write '\(path)': \(reason)"
        }
    }
}
