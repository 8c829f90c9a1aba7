import Foundation
import CLibPQ

/// Removes passwords from a connection string so it can appear in logs and error messages.
///
/// The string is parsed by libpq's own parser (`PQconninfoParse`), so whatever libpq would send as the password
/// is exactly what is hidden, however it is spelled: a URL password holding `/`, `?`, `@` or `%`-escapes,
/// `?password=`, `password='se cret'`. The result is rebuilt from the parsed options, never by editing the
/// original text. A string libpq cannot parse is never echoed (its error messages quote the offending part,
/// which may be the password): it is described instead.
public enum ConnectionTarget {
    /// Options whose values are secrets.
    static let secretKeys: Set<String> = ["password", "sslpassword"]

    /// What to show instead of a connection string that libpq cannot parse.
    public static let unparsable = "a connection string libpq cannot parse (not shown: it may hold a password)"

    public static func redact(_ conninfo: String) -> String {
        guard let options = parse(conninfo), !isMisreadURL(conninfo, options) else { return unparsable }
        return isURL(conninfo) ? urlForm(options) : keywordForm(options)
    }

    /// Why `conninfo` cannot be used as given, with every quoted fragment of libpq's message removed; nil if
    /// it can.
    public static func parseProblem(_ conninfo: String) -> String? {
        var message: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(conninfo, &message) else {
            defer { if let message { PQfreemem(message) } }
            let text = message.map { String(cString: $0) } ?? "out of memory"
            return withoutQuotedFragments(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        PQconninfoFree(parsed)
        if let options = parse(conninfo), isMisreadURL(conninfo, options) {
            return "an unescaped '/' or '@' in the user name or password makes the rest of the URL unreadable"
        }
        return nil
    }

    static func isURL(_ conninfo: String) -> Bool {
        conninfo.hasPrefix("postgresql://") || conninfo.hasPrefix("postgres://")
    }

    /// libpq takes the user name and password up to the first `@` before the first `/`. A password holding an
    /// unescaped `/` or `@` therefore parses "successfully" as part of the host, port or database name, where
    /// it would be shown (and sent to DNS). Such a URL is treated as unreadable: an `@` that libpq did not
    /// take as the end of the credentials, or a host, port or database name containing `@`.
    static func isMisreadURL(_ conninfo: String, _ options: [(key: String, value: String)]) -> Bool {
        guard isURL(conninfo) else { return false }
        let hasCredentials = options.contains { $0.key == "user" || $0.key == "password" }
        let authorityAndPath = conninfo.split(separator: "?", maxSplits: 1).first ?? ""
        if authorityAndPath.contains("@") && !hasCredentials { return true }
        return options.contains { ["host", "hostaddr", "port", "dbname"].contains($0.key) && $0.value.contains("@") }
    }

    /// The options `conninfo` sets explicitly, in libpq's order, or nil when libpq cannot parse it.
    static func parse(_ conninfo: String) -> [(key: String, value: String)]? {
        var message: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(conninfo, &message) else {
            if let message { PQfreemem(message) }
            return nil
        }
        defer { PQconninfoFree(parsed) }
        var options: [(key: String, value: String)] = []
        var option = parsed
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                options.append((String(cString: keyword), String(cString: value)))
            }
            option += 1
        }
        return options
    }

    private static func shown(_ option: (key: String, value: String)) -> String {
        secretKeys.contains(option.key) ? "***" : option.value
    }

    private static func urlForm(_ options: [(key: String, value: String)]) -> String {
        let value = { (key: String) in options.first { $0.key == key }.map(shown) }
        var text = "postgresql://"
        if let user = value("user") {
            text += user
            if value("password") != nil { text += ":***" }
            text += "@"
        } else if value("password") != nil {
            text += ":***@"
        }
        text += value("host") ?? value("hostaddr") ?? ""
        if let port = value("port") { text += ":" + port }
        if let database = value("dbname") { text += "/" + database }
        let rest = options.filter { !["user", "password", "host", "port", "dbname"].contains($0.key) }
        if !rest.isEmpty { text += "?" + rest.map { "\($0.key)=\(shown($0))" }.joined(separator: "&") }
        return text
    }

    private static func keywordForm(_ options: [(key: String, value: String)]) -> String {
        options.map { option in
            let value = shown(option)
            let needsQuotes = value.isEmpty || value.contains(where: { $0 == " " || $0 == "'" || $0 == "\\" })
            let quoted = needsQuotes
                ? "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
                : value
            return "\(option.key)=\(quoted)"
        }.joined(separator: " ")
    }

    /// `invalid percent-encoded token: "s3cr%zz"` → `invalid percent-encoded token: "…"`.
    static func withoutQuotedFragments(_ text: String) -> String {
        var out = ""
        var inQuotes = false
        for character in text {
            if character == "\"" {
                out += inQuotes ? "…\"" : "\""
                inQuotes.toggle()
            } else if !inQuotes {
                out.append(character)
            }
        }
        if inQuotes { out += "…\"" }
        return out
    }

    /// Hides anything that looks like a password in free text, such as a libpq error message that might quote
    /// a URL (`postgresql://user:secret@host`) or a `password=` option. A fallback for text that is not a
    /// connection string; connection strings go through `redact(_:)`.
    public static func redactMessage(_ message: String) -> String {
        var text = message
        if let schemeRange = text.range(of: "://") {
            let authorityStart = schemeRange.upperBound
            if let at = text[authorityStart...].lastIndex(of: "@"),
               let colon = text[authorityStart..<at].firstIndex(of: ":") {
                text.replaceSubrange(text.index(after: colon)..<at, with: "***")
            }
        }
        var result = ""
        var rest = Substring(text)
        while let range = rest.range(of: "password", options: .caseInsensitive) {
            result += rest[..<range.upperBound]
            rest = rest[range.upperBound...]
            let afterSpaces = rest.drop(while: { $0 == " " })
            guard afterSpaces.first == "=" else { continue }
            result += rest[..<afterSpaces.startIndex] + "=***"
            var value = afterSpaces.dropFirst().drop(while: { $0 == " " })
            if value.first == "'" {
                value = value.dropFirst()
                var escaped = false
                while let char = value.first {
                    value = value.dropFirst()
                    if escaped { escaped = false } else if char == "\\" { escaped = true } else if char == "'" { break }
                }
            } else {
                value = value.drop(while: { $0 != "&" && $0 != " " })
            }
            rest = value
        }
        return result + rest
    }
}
