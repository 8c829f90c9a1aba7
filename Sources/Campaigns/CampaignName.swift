/// The rules for a campaign's name, and how to show a name that came from outside.
///
/// A name is printed by `status`, in reports and in every error line; a newline in it would forge log lines
/// and an ANSI escape would repaint the operator's terminal. So a new campaign's name must be non-blank,
/// one line of printable text, at most `maximumLength` characters; and any name echoed back (a lookup of a
/// name that does not exist, say) goes through `printable(_:)`.
public enum CampaignName {
    public static let maximumLength = 200

    /// Why `name` cannot name a new campaign, or nil when it can.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "the campaign name is empty" }
        if name.unicodeScalars.allSatisfy(\.properties.isWhitespace) { return "the campaign name is blank" }
        if name.count > maximumLength {
            return "the campaign name has \(name.count) characters; at most \(maximumLength) are allowed"
        }
        if name.unicodeScalars.contains(where: isControlOrSeparator) {
            return "the campaign name \(printable(name)) contains a line break, tab, escape or other control "
                + "character; use one line of printable text"
        }
        if name != name.trimmingOuterWhitespace {
            return "the campaign name \(printable(name)) starts or ends with spaces"
        }
        return nil
    }

    /// `name` in single quotes with control characters written as `\n`, `\t` or `\u{1B}`, so that whatever
    /// bytes a user typed, printing it cannot break a line or send a terminal escape. Long names are cut.
    public static func printable(_ name: String, limit: Int = 120) -> String {
        var out = ""
        for (index, scalar) in name.unicodeScalars.enumerated() {
            if index == limit {
                out += "…"
                break
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\\": out += "\\\\"
            default:
                if isControlOrSeparator(scalar) {
                    out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return "'" + out + "'"
    }

    /// C0 and C1 controls, DEL, line and paragraph separators, and bidirectional overrides (which can make
    /// a name display as something else).
    static func isControlOrSeparator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}

extension String {
    fileprivate var trimmingOuterWhitespace: String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let end = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[start...end])
    }
}
