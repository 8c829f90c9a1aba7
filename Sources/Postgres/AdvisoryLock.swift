/// Advisory locks that wait a bounded time and, when they give up, say who holds the lock.
///
/// Any login can take any advisory lock (the read-only reporter included), and the submit and migrate locks
/// used to be taken with no timeout: one forgotten `psql` session holding them blocked every submission
/// silently, forever. `acquire` sets `lock_timeout` for the wait only, and on timeout names the holding
/// sessions (pid, user, application, client address, session start) from `pg_locks` and `pg_stat_activity`.
public enum AdvisoryLock {
    /// Why a lock could not be taken in time.
    public struct Timeout: Error, CustomStringConvertible, Sendable {
        public let purpose: String
        public let waited: Duration
        /// One line per holding session; empty if it was released just after the timeout.
        public let holders: [String]

        public var description: String {
            "timed out after \(waited) waiting for \(purpose); "
                + (holders.isEmpty ? "it was released just now: try again"
                   : "held by " + holders.joined(separator: "; ") + " (end that session, e.g. SELECT pg_terminate_backend(pid))")
        }
    }

    /// Takes the advisory lock whose bigint key `keySQL` computes (it may use `$1`…), waiting at most `timeout`.
    ///
    /// - Parameters:
    ///   - transactional: `pg_advisory_xact_lock`, held until the caller's transaction ends (call it inside
    ///     `connection.transaction`); otherwise `pg_advisory_lock`, held by the session until unlocked.
    /// - Throws: `Timeout` naming the holders, or the `PostgresError` of any other failure.
    public static func acquire(purpose: String, keySQL: String, parameters: [(any PostgresValue)?] = [],
                               transactional: Bool, timeout: Duration, on connection: Connection) throws {
        let milliseconds = max(1, timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let function = transactional ? "pg_advisory_xact_lock" : "pg_advisory_lock"
        let previous = try connection.query("SELECT current_setting('lock_timeout') AS value")[0].string("value")
        do {
            if transactional {
                // A savepoint, so that a timeout leaves the caller's transaction usable for naming the holders.
                try connection.transaction { connection in
                    _ = try connection.query("SELECT set_config('lock_timeout', $1, true)", ["\(milliseconds)ms"])
                    _ = try connection.query("SELECT \(function)(\(keySQL))", parameters)
                    _ = try connection.query("SELECT set_config('lock_timeout', $1, true)", [previous])
                }
            } else {
                _ = try connection.query("SELECT set_config('lock_timeout', $1, false)", ["\(milliseconds)ms"])
                defer { _ = try? connection.query("SELECT set_config('lock_timeout', $1, false)", [previous]) }
                _ = try connection.query("SELECT \(function)(\(keySQL))", parameters)
            }
        } catch let error as PostgresError where error.sqlState == "55P03" {
            let rows = (try? connection.query(holdersSQL(keySQL), parameters)) ?? []
            let holders = rows.map { row in
                let pid = (try? row.int("pid")).map(String.init) ?? "?"
                let user = (try? row.string("usename")) ?? "?"
                let application = (try? row.string("application")) ?? ""
                let client = (try? row.string("client")) ?? "local"
                let since = (try? row.string("since")) ?? ""
                return "pid \(pid) (user \(user)" + (application.isEmpty ? "" : ", application \(application)")
                    + ", from \(client), connected since \(since))"
            }
            throw Timeout(purpose: purpose, waited: timeout, holders: holders)
        }
    }

    /// Sessions holding the advisory lock with key `keySQL`: a bigint key is stored as classid (high 32 bits),
    /// objid (low 32 bits) and objsubid 1.
    static func holdersSQL(_ keySQL: String) -> String {
        """
        SELECT a.pid, coalesce(a.usename::text, '?') AS usename, coalesce(a.application_name, '') AS application,
               coalesce(a.client_addr::text, 'local') AS client,
               coalesce(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ'), '') AS since
        FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid::bigint = (((\(keySQL))::bigint >> 32) & 4294967295)
          AND l.objid::bigint = ((\(keySQL))::bigint & 4294967295)
          AND a.pid <> pg_backend_pid()
        ORDER BY a.pid
        """
    }
}
