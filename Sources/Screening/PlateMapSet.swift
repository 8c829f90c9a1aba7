import Foundation
import SafeFiles

/// The plate maps of a campaign: one map for every plate, or one per plate barcode.
///
/// `load` accepts three layouts:
/// - a plate map (`well,…`): the same layout on every plate;
/// - a plate map with a `plate` column (`plate,well,…`): each plate's rows are its map;
/// - an index (`plate,map`) whose `map` paths are relative to the index file and may not leave its directory.
public enum PlateMapSet: Sendable, Hashable {
    case single(PlateMap)
    case perPlate([String: PlateMap])

    /// The map for a plate barcode, or nil if an index does not list it.
    public func map(forPlate plate: String) -> PlateMap? {
        switch self {
        case let .single(map): return map
        case let .perPlate(maps): return maps[plate]
        }
    }

    /// Plates an index names (empty for a single map).
    public var indexedPlates: [String] {
        switch self {
        case .single: return []
        case let .perPlate(maps): return maps.keys.sorted()
        }
    }

    public static func load(_ url: URL, format: PlateFormat) throws(ScreeningError) -> PlateMapSet {
        let text = try readText(url)
        let file = url.lastPathComponent
        let table = try CSVTable(text: text, file: file)
        if table.has("plate"), table.has("well") {
            return try perPlateColumn(table, format: format)
        }
        guard table.has("plate"), table.has("map") else {
            return .single(try PlateMap.parse(table, rows: table.rows, format: format))
        }
        let directory = url.deletingLastPathComponent()
        var maps: [String: PlateMap] = [:]
        var firstRow: [String: Int] = [:]
        for record in table.rows {
            let plate = table.value("plate", in: record)
            let path = table.value("map", in: record)
            guard !plate.isEmpty else { throw table.error(record, "plate is empty") }
            guard !path.isEmpty else { throw table.error(record, "map is empty") }
            if let first = firstRow[plate] { throw table.error(record, "plate \(plate) appears twice (first at row \(first))") }
            firstRow[plate] = record.row
            if let reason = RootContainment.lexicalEscape(path) {
                throw table.error(record, "map '\(path)' escapes the index's directory: \(reason)")
            }
            let mapURL = directory.appendingPathComponent(path)
            // Resolved, so a symlink in the index's folder cannot point the coordinator at any file it can read.
            if let resolvedDirectory = SafeFile.resolve(directory.path), let resolvedMap = SafeFile.resolve(mapURL.path),
               !resolvedMap.hasPrefix(resolvedDirectory == "/" ? "/" : resolvedDirectory + "/") {
                throw table.error(record, "map '\(path)' escapes the index's directory: it resolves (through a "
                                  + "symlink) to a file outside it")
            }
            maps[plate] = try PlateMap.load(mapURL, format: format)
        }
        return .perPlate(maps)
    }

    private static func perPlateColumn(_ table: CSVTable, format: PlateFormat) throws(ScreeningError) -> PlateMapSet {
        var rowsByPlate: [String: [CSVRecord]] = [:]
        var order: [String] = []
        for record in table.rows {
            let plate = table.value("plate", in: record)
            guard !plate.isEmpty else { throw table.error(record, "plate is empty") }
            if rowsByPlate[plate] == nil { order.append(plate) }
            rowsByPlate[plate, default: []].append(record)
        }
        var maps: [String: PlateMap] = [:]
        // In file order, so the first error in the file is the one reported.
        for plate in order {
            maps[plate] = try PlateMap.parse(table, rows: rowsByPlate[plate, default: []], format: format, ignoring: ["plate"])
        }
        return .perPlate(maps)
    }
}

/// Image sets matched to their plate-map conditions.
public struct PlateMapJoin: Sendable {
    public struct Entry: Sendable, Hashable {
        public var imageSet: ImageSet
        public var condition: WellCondition
    }

    /// Image sets whose well is in the map, with that well's condition.
    public var joined: [Entry]
    /// Wells (canonical) that have images but no map row, by plate.
    public var imageWellsWithoutMap: [String: [WellPosition]]
    /// Mapped wells with no image, by plate.
    public var mappedWellsWithoutImages: [String: [WellPosition]]
    /// Plates that have images but no map at all (an index that does not list them).
    public var platesWithoutMap: [String]
}

extension PlateMap {
    /// Joins image sets of one plate to this map by canonical well (so `a1` in the map meets `A01` in a file name).
    public func join(_ imageSets: [ImageSet]) -> PlateMapJoin {
        PlateMapSet.single(self).join(imageSets)
    }
}

extension PlateMapSet {
    /// Joins image sets to each plate's map by plate and canonical well.
    public func join(_ imageSets: [ImageSet]) -> PlateMapJoin {
        var result = PlateMapJoin(joined: [], imageWellsWithoutMap: [:], mappedWellsWithoutImages: [:], platesWithoutMap: [])
        let byPlate = Dictionary(grouping: imageSets, by: \.plate)
        for plate in byPlate.keys.sorted() {
            let sets = byPlate[plate, default: []]
            guard let map = map(forPlate: plate) else {
                result.platesWithoutMap.append(plate)
                continue
            }
            let conditions = Dictionary(map.conditions.map { ($0.well, $0) }, uniquingKeysWith: { first, _ in first })
            var unmapped: Set<WellPosition> = []
            for set in sets {
                if let condition = conditions[set.well] {
                    result.joined.append(.init(imageSet: set, condition: condition))
                } else {
                    unmapped.insert(set.well)
                }
            }
            let imaged = Set(sets.map(\.well))
            let missing = map.wells.filter { !imaged.contains($0) }
            if !unmapped.isEmpty { result.imageWellsWithoutMap[plate] = unmapped.sorted() }
            if !missing.isEmpty { result.mappedWellsWithoutImages[plate] = missing }
        }
        return result
    }
}
