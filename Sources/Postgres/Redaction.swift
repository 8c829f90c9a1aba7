/// Removes passwords from a connection string so it can appear in logs and error messages.
///
/// Handles URLs (`postgresql://user:secret@host/db`, `?password=secret`) and key/value conninfo
/// (`password=secret` or `password='se cret'`).
public enum ConnectionTarget {
    public static func redact(_ conninfo: String) -> String {
        var text = conninfo
        if let schemeRange = text.range(of: "://") {
            let authorityStart = schemeRange.upperBound
            let authorityEnd = text[authorityStart...].firstIndex(where: { $0 == "/" || $0 == "?" }) ?? text.endIndex
            if let at = text[authorityStart..<authorityEnd].lastIndex(of: "@"),
               let colon = text[authorityStart..<at].firstIndex(of: ":") {
                text.replaceSubrange(text.index(after: colon)..<at, with: "***")
            }
        }
        return redactPasswordParameters(text)
    }

    private static func redactPasswordParameters(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let range = rest.range(of: "password", options: .caseInsensitive) {
            result += rest[..<range.upperBound]
            rest = rest[range.upperBound...]
            let afterSpaces = rest.drop(while: { $0 == " " })
            guard afterSpaces.first == "=" else { continue }
            result += rest[..<afterSpaces.startIndex] + "="
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
            result += "***"
            rest = value
        }
        return result + rest
    }
}
