import Foundation

/// A value that can be sent to PostgreSQL as a text-format query parameter.
///
/// Parameters always travel separately from the SQL text (`PQexecParams`), so no value is ever spliced into a
/// statement. The server infers each parameter's type from context; add a cast (`$1::bigint[]`) where it cannot.
public protocol PostgresValue {
    /// The value in PostgreSQL's text input format.
    var postgresText: String { get }
}

extension String: PostgresValue { public var postgresText: String { self } }
extension Substring: PostgresValue { public var postgresText: String { String(self) } }
extension Int: PostgresValue { public var postgresText: String { String(self) } }
extension Int64: PostgresValue { public var postgresText: String { String(self) } }
extension Int32: PostgresValue { public var postgresText: String { String(self) } }
extension Int16: PostgresValue { public var postgresText: String { String(self) } }
extension Double: PostgresValue {
    public var postgresText: String {
        if isNaN { return "NaN" }
        if isInfinite { return self > 0 ? "Infinity" : "-Infinity" }
        return "\(self)"
    }
}
extension Float: PostgresValue { public var postgresText: String { Double(self).postgresText } }
extension Bool: PostgresValue { public var postgresText: String { self ? "t" : "f" } }
extension UUID: PostgresValue { public var postgresText: String { uuidString.lowercased() } }
extension Date: PostgresValue {
    /// Sent as Unix epoch seconds in a form `timestamptz` accepts regardless of the session's `DateStyle`.
    public var postgresText: String { PostgresTimestamp.format(self) }
}

/// PostgreSQL arrays in text form (`{"a","b"}`), so a whole column of values can travel as one parameter
/// (`unnest($1::text[])`). `nil` elements become SQL NULL.
extension Array: PostgresValue where Element: PostgresArrayElement {
    public var postgresText: String {
        var out = "{"
        for (index, element) in enumerated() {
            if index > 0 { out.append(",") }
            out.append(element.postgresArrayElementText)
        }
        out.append("}")
        return out
    }
}

/// An element of a text-format array: quoted and escaped, or the bare `NULL`.
public protocol PostgresArrayElement {
    var postgresArrayElementText: String { get }
}

extension PostgresArrayElement where Self: PostgresValue {
    public var postgresArrayElementText: String { PostgresArrayText.quote(postgresText) }
}
extension String: PostgresArrayElement {}
extension Int: PostgresArrayElement {}
extension Int64: PostgresArrayElement {}
extension Int32: PostgresArrayElement {}
extension Int16: PostgresArrayElement {}
extension Double: PostgresArrayElement {}
extension Bool: PostgresArrayElement {}
extension UUID: PostgresArrayElement {}
extension Date: PostgresArrayElement {}
extension Optional: PostgresArrayElement where Wrapped: PostgresArrayElement {
    public var postgresArrayElementText: String {
        switch self {
        case .none: return "NULL"
        case .some(let value): return value.postgresArrayElementText
        }
    }
}

enum PostgresArrayText {
    /// Every element is double-quoted, so commas, braces, spaces and the word NULL inside strings stay literal.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(scalar)
        }
        out.append("\"")
        return out
    }
}

/// `timestamptz` text conversion independent of the server's `DateStyle` and `TimeZone`.
enum PostgresTimestamp {
    static func format(_ date: Date) -> String {
        // to_timestamp-compatible input: ISO 8601 in UTC with microseconds.
        let seconds = date.timeIntervalSince1970
        var whole = seconds.rounded(.down)
        var micros = Int(((seconds - whole) * 1_000_000).rounded())
        if micros >= 1_000_000 { whole += 1; micros -= 1_000_000 }
        var time = time_t(whole)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d.%06d+00",
            Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), micros)
    }

    /// Parses the ISO output style (`2026-11-26 10:24:35.123456+00`, `+05:30`, optional fraction).
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<(start + count)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 19, let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offsetSeconds = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            guard let hours = number(index + 1, 2) else { return nil }
            var minutes = 0
            if index + 3 < bytes.count, bytes[index + 3] == UInt8(ascii: ":") { minutes = number(index + 4, 2) ?? 0 }
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let epoch = timegm(&parts)
        return Date(timeIntervalSince1970: Double(epoch - offsetSeconds) + fraction)
    }
}
