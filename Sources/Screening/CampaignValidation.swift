/// Which channel shows the nuclei (what the classifier reads) and which the reporter (optional, for labels and QC).
public struct ChannelRoles: Sendable, Hashable, Codable {
    public var nuclear: String
    public var reporter: String?

    public init(nuclear: String, reporter: String? = nil) {
        self.nuclear = nuclear
        self.reporter = reporter
    }

    /// The usual roles for a scheme's channel names: ImageXpress `w1`/`w2`, Opera `ch1`/`ch2`; nil for a manifest,
    /// whose channel names are whatever its author wrote.
    public static func conventional(forScheme name: String) -> ChannelRoles? {
        switch name {
        case ImageXpressNaming().name: return .imageXpress
        case OperaNaming().name: return .opera
        default: return nil
        }
    }

    /// ImageXpress: `w1` nuclei, `w2` reporter.
    public static let imageXpress = ChannelRoles(nuclear: "w1", reporter: "w2")
    /// Opera/Operetta: `ch1` nuclei, `ch2` reporter.
    public static let opera = ChannelRoles(nuclear: "ch1", reporter: "ch2")
}

/// One finding of campaign validation.
public struct ValidationIssue: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable {
        /// The campaign must not be submitted as is.
        case error
        /// Worth a look; submission may go ahead.
        case warning
    }

    public var severity: Severity
    public var message: String

    public var description: String { "\(severity): \(message)" }
}

/// Checks a campaign's images against its plate format, channels and plate maps before anything is queued,
/// so a missing channel or a typo in the plate map shows up in seconds, not after a night of computing.
///
/// Errors: image sets without the nuclear channel, duplicate files for one set and channel, wells outside the
/// plate format. Warnings: image sets without the reporter channel, imaged wells with no map row, mapped wells
/// with no images, plates an index does not list, TIFFs no scheme understood.
public struct CampaignValidation: Sendable {
    public var imageSets: [ImageSet]
    public var issues: [ValidationIssue]

    public var errors: [ValidationIssue] { issues.filter { $0.severity == .error } }
    public var warnings: [ValidationIssue] { issues.filter { $0.severity == .warning } }
    /// True when nothing blocks submission.
    public var isValid: Bool { errors.isEmpty }

    /// How many names a message lists before it says "and N more".
    static let listLimit = 20

    public static func validate(
        files: [ImageFile], format: PlateFormat, channels: ChannelRoles, plateMaps: PlateMapSet? = nil,
        unmatched: [String] = []
    ) -> CampaignValidation {
        var issues: [ValidationIssue] = []
        func error(_ message: String) { issues.append(ValidationIssue(severity: .error, message: message)) }
        func warning(_ message: String) { issues.append(ValidationIssue(severity: .warning, message: message)) }

        let outside = files.filter { !format.contains($0.well) }
        let outsideWells = Set(outside.map { "\($0.plate) \($0.well)" }).sorted()
        if !outsideWells.isEmpty {
            error("\(outsideWells.count) imaged well(s) are not wells of a \(format) plate: " + list(outsideWells)
                  + " (if the plate is larger than its plate map suggests, give --plate-format)")
        }
        let grouping = ImageSet.group(files.filter { format.contains($0.well) })
        for duplicate in grouping.duplicates {
            error("duplicate files: \(duplicate)")
        }
        let noNuclear = grouping.sets.filter { $0.channels[channels.nuclear] == nil }
        if !noNuclear.isEmpty {
            error("\(noNuclear.count) image set(s) lack the nuclear channel \(channels.nuclear): "
                  + list(noNuclear.map { "\($0) (has \($0.channels.keys.sorted().joined(separator: ", ")))" }))
        }
        if let reporter = channels.reporter {
            let noReporter = grouping.sets.filter { $0.channels[reporter] == nil }
            if !noReporter.isEmpty {
                warning("\(noReporter.count) image set(s) lack the reporter channel \(reporter): " + list(noReporter.map(\.description)))
            }
        }
        if !unmatched.isEmpty {
            warning("\(unmatched.count) TIFF(s) do not follow the naming scheme and are ignored: " + list(unmatched))
        }
        if let plateMaps {
            let join = plateMaps.join(grouping.sets)
            if !join.platesWithoutMap.isEmpty {
                warning("plate(s) with images but no plate map in the index: " + list(join.platesWithoutMap))
            }
            for (plate, wells) in join.imageWellsWithoutMap.sorted(by: { $0.key < $1.key }) {
                warning("plate \(plate): \(wells.count) imaged well(s) have no plate-map row: " + list(wells.map(\.description)))
            }
            for (plate, wells) in join.mappedWellsWithoutImages.sorted(by: { $0.key < $1.key }) {
                warning("plate \(plate): \(wells.count) mapped well(s) have no images: " + list(wells.map(\.description)))
            }
            let imagedPlates = Set(grouping.sets.map(\.plate))
            let notImaged = plateMaps.indexedPlates.filter { !imagedPlates.contains($0) }
            if !notImaged.isEmpty {
                warning("plate(s) in the plate-map index with no images: " + list(notImaged))
            }
        }
        return CampaignValidation(imageSets: grouping.sets, issues: issues)
    }

    /// Validates what a scan found, including a warning for the TIFFs its naming scheme did not understand.
    public static func validate(
        scan: ImageScan, format: PlateFormat, channels: ChannelRoles, plateMaps: PlateMapSet? = nil
    ) -> CampaignValidation {
        validate(files: scan.files, format: format, channels: channels, plateMaps: plateMaps, unmatched: scan.unmatched)
    }

    static func list(_ items: [String]) -> String {
        let shown = items.prefix(listLimit).joined(separator: ", ")
        return items.count > listLimit ? shown + " and \(items.count - listLimit) more" : shown
    }
}
