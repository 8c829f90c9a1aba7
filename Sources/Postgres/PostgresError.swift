/// Everything that can go wrong talking to PostgreSQL, with the context needed to act on it.
///
/// `target` is the connection target with any password replaced by `***`, so the error can be logged or shown
/// as is. `sqlState` is the five-character SQLSTATE the server sent (e.g. `23505` for a unique violation).
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The connection could not be established.
        case connectionFailed
        /// The connection broke (server restart, network); reconnect and retry.
        case connectionLost
        /// The server rejected a statement; `sqlState` says why.
        case server
        /// COPY or another protocol step failed on the client side.
        case protocolFailure
        /// libpq cannot parse the connection string; retrying cannot help, and the string is not shown.
        case invalidConnectionString
    }

    public let kind: Kind
    public let sqlState: String?
    public let message: String
    public let detail: String?
    public let hint: String?
    public let target: String

    public init(kind: Kind, sqlState: String? = nil, message: String, detail: String? = nil, hint: String? = nil,
                target: String) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.target = target
    }

    /// True when the failure means "the server went away": retrying on a new connection may succeed.
    public var isConnectionProblem: Bool {
        if kind == .connectionFailed || kind == .connectionLost { return true }
        guard let state = sqlState else { return false }
        // Class 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now.
        return state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03"
    }

    public var description: String {
        var text: String
        switch kind {
        case .connectionFailed: text = "cannot connect to \(target): \(message)"
        case .connectionLost: text = "connection to \(target) lost: \(message)"
        case .server: text = "PostgreSQL error\(sqlState.map { " \($0)" } ?? "") on \(target): \(message)"
        case .protocolFailure: text = "protocol error on \(target): \(message)"
        case .invalidConnectionString: text = "invalid database URL: \(message)"
        }
        if let detail, !detail.isEmpty { text += " (detail: \(detail))" }
        if let hint, !hint.isEmpty { text += " (hint: \(hint))" }
        return text
    }
}

/// A row value that is absent or not of the requested type.
public enum RowDecodingError: Error, CustomStringConvertible, Sendable, Equatable {
    case noSuchColumn(String, available: [String])
    case unexpectedNull(column: String)
    case typeMismatch(column: String, expected: String, actualTypeOID: UInt32, text: String)

    public var description: String {
        switch self {
        case .noSuchColumn(let name, let available):
            return "no column \"\(name)\" in the result (columns: \(available.joined(separator: ", ")))"
        case .unexpectedNull(let column):
            return "column \"\(column)\" is NULL where a value was required"
        case .typeMismatch(let column, let expected, let oid, let text):
            return "column \"\(column)\" (type oid \(oid)) holds \"\(text.prefix(80))\", not a \(expected)"
        }
    }
}
