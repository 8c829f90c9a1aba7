/// libpq connection options a long-running service wants unless its operator chose otherwise.
public enum ConnectionDefaults {
    /// TCP keepalives and a user timeout, so that a worker cut off from the database by a network partition
    /// notices within about half a minute instead of hanging in the kernel's retransmissions for ~15 minutes.
    public static let service: [(String, String)] = [
        ("keepalives", "1"), ("keepalives_idle", "10"), ("keepalives_interval", "5"), ("keepalives_count", "3"),
        ("tcp_user_timeout", "30000"),
    ]

    /// Adds each option the conninfo does not set already, to a `postgresql://` URL (as query parameters) or a
    /// `key=value` conninfo string. An empty conninfo (libpq's `PG*` variables) gets them as `key=value` pairs.
    public static func apply(_ options: [(String, String)], to conninfo: String?) -> String {
        let base = conninfo ?? ""
        let isURL = base.hasPrefix("postgresql://") || base.hasPrefix("postgres://")
        let present = Set(options.map(\.0).filter { key in
            isURL ? base.contains("?\(key)=") || base.contains("&\(key)=") : base.contains("\(key)=")
        })
        let missing = options.filter { !present.contains($0.0) }
        guard !missing.isEmpty else { return base }
        if isURL {
            let joined = missing.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
            return base + (base.contains("?") ? "&" : "?") + joined
        }
        let joined = missing.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        return base.isEmpty ? joined : base + " " + joined
    }
}
