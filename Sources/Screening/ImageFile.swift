/// One TIFF on disk and what its name says it shows.
///
/// `relativePath` is relative to the campaign's image root (never absolute), so a campaign can be moved
/// or mounted elsewhere on each worker.
public struct ImageFile: Hashable, Sendable, Codable, CustomStringConvertible {
    public var plate: String
    public var well: WellPosition
    /// Field of view within the well, one-based.
    public var site: Int
    /// One-based time point (ImageXpress `TimePoint_N` directories, Opera `sk`).
    public var timePoint: Int
    /// Channel name as the instrument writes it: `w1`, `w2`, `ch1`, … .
    public var channel: String
    public var relativePath: String

    public init(plate: String, well: WellPosition, site: Int = 1, timePoint: Int = 1, channel: String, relativePath: String) {
        self.plate = plate
        self.well = well
        self.site = site
        self.timePoint = timePoint
        self.channel = channel
        self.relativePath = relativePath
    }

    public var key: ImageSetKey { ImageSetKey(plate: plate, well: well, site: site, timePoint: timePoint) }

    public var description: String { "\(key) \(channel) (\(relativePath))" }
}

/// What identifies one image set: the images of all channels taken at one site of one well at one time.
public struct ImageSetKey: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var plate: String
    public var well: WellPosition
    public var site: Int
    public var timePoint: Int

    public init(plate: String, well: WellPosition, site: Int, timePoint: Int) {
        self.plate = plate
        self.well = well
        self.site = site
        self.timePoint = timePoint
    }

    public static func < (lhs: ImageSetKey, rhs: ImageSetKey) -> Bool {
        (lhs.plate, lhs.well, lhs.site, lhs.timePoint) < (rhs.plate, rhs.well, rhs.site, rhs.timePoint)
    }

    public var description: String { "\(plate) \(well) site \(site) t\(timePoint)" }
}

/// All channels of one site of one well at one time point: the unit of analysis.
public struct ImageSet: Hashable, Sendable, Codable, CustomStringConvertible {
    public var plate: String
    public var well: WellPosition
    public var site: Int
    public var timePoint: Int
    /// Channel name → path relative to the image root.
    public var channels: [String: String]

    public init(plate: String, well: WellPosition, site: Int, timePoint: Int, channels: [String: String]) {
        self.plate = plate
        self.well = well
        self.site = site
        self.timePoint = timePoint
        self.channels = channels
    }

    public var key: ImageSetKey { ImageSetKey(plate: plate, well: well, site: site, timePoint: timePoint) }

    public var description: String { key.description }
}

/// Two or more files claim the same channel of the same image set; which one to analyse is not ours to guess.
public struct DuplicateImage: Hashable, Sendable, CustomStringConvertible {
    public var key: ImageSetKey
    public var channel: String
    public var paths: [String]

    public var description: String {
        "\(key) channel \(channel) has \(paths.count) files: \(paths.joined(separator: ", "))"
    }
}

/// The result of grouping files into image sets.
public struct ImageGrouping: Sendable {
    /// Image sets sorted by plate, well, site, time point. Where a channel is duplicated, the first path
    /// in sorted order is kept here and the clash is listed in `duplicates`.
    public var sets: [ImageSet]
    public var duplicates: [DuplicateImage]
}

extension ImageSet {
    /// Groups files by plate, well, site and time point; deterministic whatever the input order.
    public static func group(_ files: [ImageFile]) -> ImageGrouping {
        var byKey: [ImageSetKey: [String: [String]]] = [:]
        for file in files {
            byKey[file.key, default: [:]][file.channel, default: []].append(file.relativePath)
        }
        var sets: [ImageSet] = []
        var duplicates: [DuplicateImage] = []
        for key in byKey.keys.sorted() {
            var channels: [String: String] = [:]
            for (channel, paths) in byKey[key, default: [:]].sorted(by: { $0.key < $1.key }) {
                let sorted = paths.sorted()
                channels[channel] = sorted[0]
                if sorted.count > 1 { duplicates.append(DuplicateImage(key: key, channel: channel, paths: sorted)) }
            }
            sets.append(ImageSet(plate: key.plate, well: key.well, site: key.site, timePoint: key.timePoint, channels: channels))
        }
        return ImageGrouping(sets: sets, duplicates: duplicates)
    }
}
