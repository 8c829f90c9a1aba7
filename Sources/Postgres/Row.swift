import Foundation

/// Column names and types shared by all rows of one result.
final class RowDescription: Sendable {
    let names: [String]
    let typeOIDs: [UInt32]
    let indexByName: [String: Int]

    init(names: [String], typeOIDs: [UInt32]) {
        self.names = names
        self.typeOIDs = typeOIDs
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() where index[name] == nil { index[name] = position }
        self.indexByName = index
    }
}

/// One result row in text format. Accessors check the column's type and throw `RowDecodingError` on a NULL
/// or a type mismatch instead of guessing; use the `optional…` variants where NULL is expected.
public struct Row: Sendable {
    let description: RowDescription
    /// The text-format values; nil is SQL NULL.
    public let values: [String?]

    init(description: RowDescription, values: [String?]) {
        self.description = description
        self.values = values
    }

    public var columnNames: [String] { description.names }

    private func column(_ name: String) throws -> (index: Int, oid: UInt32) {
        guard let index = description.indexByName[name] else {
            throw RowDecodingError.noSuchColumn(name, available: description.names)
        }
        return (index, description.typeOIDs[index])
    }

    private func text(_ name: String) throws -> (text: String, oid: UInt32)? {
        let (index, oid) = try column(name)
        guard let text = values[index] else { return nil }
        return (text, oid)
    }

    private func required<T>(_ name: String, _ decode: (String, String, UInt32) throws -> T) throws -> T {
        guard let (text, oid) = try self.text(name) else { throw RowDecodingError.unexpectedNull(column: name) }
        return try decode(name, text, oid)
    }

    private func optional<T>(_ name: String, _ decode: (String, String, UInt32) throws -> T) throws -> T? {
        guard let (text, oid) = try self.text(name) else { return nil }
        return try decode(name, text, oid)
    }

    /// True if the column is SQL NULL.
    public func isNull(_ name: String) throws -> Bool { try values[column(name).index] == nil }

    public func string(_ name: String) throws -> String { try required(name, Decode.string) }
    public func optionalString(_ name: String) throws -> String? { try optional(name, Decode.string) }
    public func int64(_ name: String) throws -> Int64 { try required(name, Decode.int64) }
    public func optionalInt64(_ name: String) throws -> Int64? { try optional(name, Decode.int64) }
    public func int(_ name: String) throws -> Int { Int(try int64(name)) }
    public func optionalInt(_ name: String) throws -> Int? { try optionalInt64(name).map { Int($0) } }
    public func double(_ name: String) throws -> Double { try required(name, Decode.double) }
    public func optionalDouble(_ name: String) throws -> Double? { try optional(name, Decode.double) }
    public func bool(_ name: String) throws -> Bool { try required(name, Decode.bool) }
    public func optionalBool(_ name: String) throws -> Bool? { try optional(name, Decode.bool) }
    public func uuid(_ name: String) throws -> UUID { try required(name, Decode.uuid) }
    public func optionalUUID(_ name: String) throws -> UUID? { try optional(name, Decode.uuid) }
    public func date(_ name: String) throws -> Date { try required(name, Decode.date) }
    public func optionalDate(_ name: String) throws -> Date? { try optional(name, Decode.date) }
    /// `bytea` in hex output format (`\x…`).
    public func bytes(_ name: String) throws -> [UInt8] { try required(name, Decode.bytes) }
}

/// Type OIDs from `pg_type` that the accessors accept.
enum TypeOID {
    static let bool: UInt32 = 16, bytea: UInt32 = 17, int8: UInt32 = 20, int2: UInt32 = 21, int4: UInt32 = 23
    static let oid: UInt32 = 26, float4: UInt32 = 700, float8: UInt32 = 701, numeric: UInt32 = 1700
    static let timestamp: UInt32 = 1114, timestamptz: UInt32 = 1184, uuid: UInt32 = 2950
}

private enum Decode {
    static func string(_ name: String, _ text: String, _ oid: UInt32) throws -> String { text }

    static func int64(_ name: String, _ text: String, _ oid: UInt32) throws -> Int64 {
        guard [TypeOID.int2, TypeOID.int4, TypeOID.int8, TypeOID.oid].contains(oid), let value = Int64(text) else {
            throw RowDecodingError.typeMismatch(column: name, expected: "integer", actualTypeOID: oid, text: text)
        }
        return value
    }

    static func double(_ name: String, _ text: String, _ oid: UInt32) throws -> Double {
        let numeric: Set<UInt32> = [TypeOID.int2, TypeOID.int4, TypeOID.int8, TypeOID.float4, TypeOID.float8,
                                    TypeOID.numeric]
        guard numeric.contains(oid) else {
            throw RowDecodingError.typeMismatch(column: name, expected: "number", actualTypeOID: oid, text: text)
        }
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            guard let value = Double(text) else {
                throw RowDecodingError.typeMismatch(column: name, expected: "number", actualTypeOID: oid, text: text)
            }
            return value
        }
    }

    static func bool(_ name: String, _ text: String, _ oid: UInt32) throws -> Bool {
        guard oid == TypeOID.bool, text == "t" || text == "f" else {
            throw RowDecodingError.typeMismatch(column: name, expected: "boolean", actualTypeOID: oid, text: text)
        }
        return text == "t"
    }

    static func uuid(_ name: String, _ text: String, _ oid: UInt32) throws -> UUID {
        guard oid == TypeOID.uuid, let value = UUID(uuidString: text) else {
            throw RowDecodingError.typeMismatch(column: name, expected: "uuid", actualTypeOID: oid, text: text)
        }
        return value
    }

    static func date(_ name: String, _ text: String, _ oid: UInt32) throws -> Date {
        guard oid == TypeOID.timestamptz || oid == TypeOID.timestamp, let value = PostgresTimestamp.parse(text) else {
            throw RowDecodingError.typeMismatch(column: name, expected: "timestamp", actualTypeOID: oid, text: text)
        }
        return value
    }

    static func bytes(_ name: String, _ text: String, _ oid: UInt32) throws -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard oid == TypeOID.bytea, utf8.count % 2 == 0, utf8.starts(with: [92, 120]) else {
            throw RowDecodingError.typeMismatch(column: name, expected: "bytea", actualTypeOID: oid, text: text)
        }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2 - 1)
        var index = 2
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else {
                throw RowDecodingError.typeMismatch(column: name, expected: "bytea", actualTypeOID: oid, text: text)
            }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
