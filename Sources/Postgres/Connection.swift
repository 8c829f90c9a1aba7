import CLibPQ
import Foundation
import Logging

/// One PostgreSQL session over libpq.
///
/// Deliberately not `Sendable`: libpq connections must not be used from two threads at once, so each thread
/// opens its own (`Connection.connect` inside the thread). All statements are parameterised (`PQexecParams`,
/// text format); the only unparameterised entry point is `executeScript`, for trusted migration files.
public final class Connection {
    private var handle: OpaquePointer?
    private let conninfo: String
    private let settings: [(name: String, value: String)]
    private var listenedChannels: [String] = []
    private var transactionDepth = 0
    /// Server-side prepared statements by SQL text: the queue runs the same few statements thousands of times,
    /// and planning each from scratch costs about as much as executing it.
    private var preparedStatements: [String: String] = [:]
    private static let preparedStatementLimit = 256
    private var preparedStatementCounter = 0
    private let logger: Logger

    /// Where this connection points, password removed: safe to log and to put in error messages.
    public private(set) var target: String

    private init(conninfo: String, settings: [(name: String, value: String)], logger: Logger) {
        self.conninfo = conninfo
        self.settings = settings
        self.logger = logger
        self.target = conninfo.isEmpty ? "PostgreSQL (from PG* environment)" : ConnectionTarget.redact(conninfo)
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Opens a session.
    ///
    /// - Parameters:
    ///   - url: a `postgresql://` URL or key/value conninfo; `nil` or empty lets libpq use `PGHOST`, `PGUSER`,
    ///     `PGPASSWORD`, `~/.pgpass`, `PGSSLMODE`… (`sslmode` in the URL is passed through unchanged).
    ///   - settings: run-time parameters (`search_path`, `application_name`…) applied with `set_config` on
    ///     every (re)connection.
    ///   - retryFor: keep retrying with capped exponential backoff for this long while the server is
    ///     unreachable (e.g. still starting); zero tries once.
    /// - Throws: `PostgresError` of kind `.connectionFailed` naming the redacted target.
    public static func connect(url: String? = nil, settings: [String: String] = [:], retryFor: Duration = .zero,
                               logger: Logger = Logger(label: "viroscope.postgres")) throws -> Connection {
        let ordered = settings.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        let connection = Connection(conninfo: url ?? "", settings: ordered, logger: logger)
        try connection.open(retryFor: retryFor)
        return connection
    }

    /// True while the session is usable as far as libpq knows.
    public var isConnected: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// True inside `transaction { }`.
    public var isInTransaction: Bool { transactionDepth > 0 }

    /// Drops the current session and opens a new one with the same parameters, retrying with capped
    /// exponential backoff (50 ms doubling to 2 s) for up to `retryFor`. Channels that were `listen`ed are
    /// listened to again. Any open transaction is gone.
    public func reconnect(retryFor: Duration) throws {
        if let handle { PQfinish(handle) }
        handle = nil
        transactionDepth = 0
        preparedStatements.removeAll()
        preparedStatementCounter = 0
        try open(retryFor: retryFor)
    }

    private func open(retryFor: Duration) throws {
        let deadline = ContinuousClock.now + retryFor
        var delay = 0.05
        var attempt = 0
        while true {
            attempt += 1
            do {
                try openOnce()
                if attempt > 1 { logger.info("reconnected", metadata: ["target": "\(target)", "attempt": "\(attempt)"]) }
                return
            } catch let error as PostgresError where error.isConnectionProblem {
                let remaining = (deadline - ContinuousClock.now).seconds
                if remaining <= 0 { throw error }
                if attempt == 1 {
                    logger.warning("database unreachable, retrying", metadata: ["error": "\(error)"])
                }
                Thread.sleep(forTimeInterval: min(delay, remaining))
                delay = min(delay * 2, 2)
            }
        }
    }

    private func openOnce() throws {
        if let handle { PQfinish(handle) }
        // libpq's own parse errors quote the offending text, which can be the password: check first and
        // report without it.
        if !conninfo.isEmpty, let problem = ConnectionTarget.parseProblem(conninfo) {
            handle = nil
            throw PostgresError(kind: .invalidConnectionString,
                                message: "libpq cannot parse it (\(problem)); the URL is not shown because it may "
                                    + "hold a password. Percent-encode reserved characters in the user name and "
                                    + "password (/ as %2F, ? as %3F, @ as %40, % as %25)",
                                target: target)
        }
        let newHandle = PQconnectdb(conninfo)
        handle = newHandle
        guard let newHandle else {
            throw PostgresError(kind: .connectionFailed, message: "out of memory", target: target)
        }
        if conninfo.isEmpty, let host = PQhost(newHandle) {
            let user = PQuser(newHandle).map { String(cString: $0) } ?? ""
            let database = PQdb(newHandle).map { String(cString: $0) } ?? ""
            let port = PQport(newHandle).map { String(cString: $0) } ?? ""
            target = "postgresql://\(user)@\(String(cString: host)):\(port)/\(database) (from PG* environment)"
        }
        guard PQstatus(newHandle) == CONNECTION_OK else {
            let message = lastErrorMessage()
            PQfinish(newHandle)
            handle = nil
            throw PostgresError(kind: .connectionFailed, message: message, target: target)
        }
        // Server notices (e.g. "drop cascades to …") are informational; libpq would print them to stderr.
        PQsetNoticeProcessor(newHandle, { _, _ in }, nil)
        // ISO dates make timestamp parsing independent of the server's defaults.
        try executeScript("SET DateStyle = 'ISO, YMD'")
        for setting in settings {
            _ = try query("SELECT set_config($1, $2, false)", [setting.name, setting.value])
        }
        for channel in listenedChannels {
            try executeScript("LISTEN " + Connection.quoteIdentifier(channel))
        }
    }

    private func lastErrorMessage() -> String {
        guard let handle, let raw = PQerrorMessage(handle) else { return "unknown error" }
        let text = String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
        let oneLine = text.split(whereSeparator: { $0 == "\n" }).map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: "; ")
        return ConnectionTarget.redactMessage(oneLine)
    }

    private func liveHandle() throws -> OpaquePointer {
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(kind: .connectionLost, message: "not connected", target: target)
        }
        return handle
    }

    // MARK: Statements

    /// Runs one parameterised statement and returns its rows (empty for commands).
    ///
    /// - Throws: `PostgresError` (`.server` with the SQLSTATE, or `.connectionLost`).
    @discardableResult
    public func query(_ sql: String, _ params: [(any PostgresValue)?] = []) throws -> [Row] {
        let result = try run(sql, params)
        defer { PQclear(result) }
        return Connection.rows(of: result)
    }

    /// Runs one parameterised statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ sql: String, _ params: [(any PostgresValue)?] = []) throws -> Int {
        let result = try run(sql, params)
        defer { PQclear(result) }
        return Connection.affectedRows(result)
    }

    /// Runs trusted SQL text that may hold several statements and takes no parameters (migration files,
    /// `LISTEN`). Never pass anything built from user input.
    public func executeScript(_ sql: String) throws {
        let handle = try liveHandle()
        guard let result = PQexec(handle, sql) else { throw failure(nil) }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY else {
            throw failure(result)
        }
    }

    private func run(_ sql: String, _ params: [(any PostgresValue)?]) throws -> OpaquePointer {
        let handle = try liveHandle()
        let cStrings: [UnsafeMutablePointer<CChar>?] = params.map { value in value.flatMap { strdup($0.postgresText) } }
        defer { for pointer in cStrings { free(pointer) } }
        let values: [UnsafePointer<CChar>?] = cStrings.map { $0.map { UnsafePointer($0) } }
        let result: OpaquePointer?
        if let name = try preparedName(for: sql, parameterCount: values.count, handle: handle) {
            result = PQexecPrepared(handle, name, Int32(values.count), values, nil, nil, 0)
        } else {
            result = PQexecParams(handle, sql, Int32(values.count), nil, values, nil, nil, 0)
        }
        guard let result else { throw failure(nil) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let error = failure(result)
            PQclear(result)
            // A schema change can invalidate a cached statement ("cached plan must not change result type"):
            // forget it, and outside a transaction (which the error would have aborted) run it again unprepared.
            if error.sqlState == "0A000" || error.sqlState == "26000", preparedStatements.removeValue(forKey: sql) != nil {
                if transactionDepth == 0 { return try run(sql, params) }
            }
            throw error
        }
        return result
    }

    /// The prepared statement for `sql`, preparing it on first use. Only parameterised statements are
    /// cached (they are the repeated ones), up to a limit so generated SQL cannot grow the cache forever.
    private func preparedName(for sql: String, parameterCount: Int, handle: OpaquePointer) throws -> String? {
        if let name = preparedStatements[sql] { return name }
        guard parameterCount > 0, preparedStatements.count < Connection.preparedStatementLimit else { return nil }
        preparedStatementCounter += 1
        let name = "viroscope_\(preparedStatementCounter)"
        guard let result = PQprepare(handle, name, sql, Int32(parameterCount), nil) else { throw failure(nil) }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else { throw failure(result) }
        preparedStatements[sql] = name
        return name
    }

    private func failure(_ result: OpaquePointer?) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let result, let ascii = code.asciiValue, let raw = PQresultErrorField(result, Int32(ascii)) else {
                return nil
            }
            return String(cString: raw)
        }
        let lost = handle.map { PQstatus($0) != CONNECTION_OK } ?? true
        let primary = field("M") ?? lastErrorMessage()
        return PostgresError(kind: lost ? .connectionLost : .server, sqlState: field("C"), message: primary,
                             detail: field("D"), hint: field("H"), target: target)
    }

    private static func rows(of result: OpaquePointer) -> [Row] {
        let fieldCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        guard fieldCount > 0 else { return [] }
        var names: [String] = []
        var types: [UInt32] = []
        for field in 0..<fieldCount {
            names.append(PQfname(result, Int32(field)).map { String(cString: $0) } ?? "?column?")
            types.append(UInt32(PQftype(result, Int32(field))))
        }
        let description = RowDescription(names: names, typeOIDs: types)
        var rows: [Row] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(fieldCount)
            for field in 0..<fieldCount {
                if PQgetisnull(result, Int32(row), Int32(field)) != 0 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(row), Int32(field))))
                }
            }
            rows.append(Row(description: description, values: values))
        }
        return rows
    }

    private static func affectedRows(_ result: OpaquePointer) -> Int {
        guard let raw = PQcmdTuples(result) else { return 0 }
        return Int(String(cString: raw)) ?? 0
    }

    // MARK: Transactions

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws (the error is rethrown).
    /// Nested calls use savepoints, so an inner failure undoes only the inner work.
    public func transaction<T>(_ body: (Connection) throws -> T) throws -> T {
        let depth = transactionDepth
        let savepoint = "viroscope_sp_\(depth)"
        try executeScript(depth == 0 ? "BEGIN" : "SAVEPOINT \(savepoint)")
        transactionDepth += 1
        let value: T
        do {
            value = try body(self)
        } catch {
            transactionDepth = depth
            if isConnected {
                try? executeScript(depth == 0 ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT \(savepoint)")
            }
            throw error
        }
        transactionDepth = depth
        do {
            try executeScript(depth == 0 ? "COMMIT" : "RELEASE SAVEPOINT \(savepoint)")
        } catch {
            if depth == 0, isConnected { try? executeScript("ROLLBACK") }
            throw error
        }
        return value
    }

    // MARK: COPY

    /// Bulk-loads rows with `COPY table (columns) FROM STDIN` in text format; nil values become NULL.
    /// Tabs, newlines, carriage returns and backslashes inside values are escaped.
    ///
    /// - Returns: the number of rows copied.
    /// - Throws: `PostgresError`; on a server-side rejection (bad value, constraint) nothing is copied.
    @discardableResult
    public func copyIn<S: Sequence>(table: String, columns: [String], rows: S) throws -> Int
    where S.Element == [(any PostgresValue)?] {
        let handle = try liveHandle()
        let tableName = table.split(separator: ".").map { Connection.quoteIdentifier(String($0)) }
            .joined(separator: ".")
        let columnList = columns.map(Connection.quoteIdentifier).joined(separator: ", ")
        let statement = "COPY \(tableName) (\(columnList)) FROM STDIN"
        guard let start = PQexec(handle, statement) else { throw failure(nil) }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            let error = failure(start)
            PQclear(start)
            throw error
        }
        PQclear(start)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 16)
        var sendError: PostgresError?
        func flush() {
            guard !buffer.isEmpty, sendError == nil else { return }
            let sent = buffer.withUnsafeBufferPointer { pointer in
                pointer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: pointer.count) {
                    PQputCopyData(handle, $0, Int32(pointer.count))
                }
            }
            if sent != 1 { sendError = failure(nil) }
            buffer.removeAll(keepingCapacity: true)
        }
        for row in rows {
            if row.count != columns.count {
                sendError = PostgresError(kind: .protocolFailure,
                                          message: "COPY row has \(row.count) values for \(columns.count) columns",
                                          target: target)
                break
            }
            for (index, value) in row.enumerated() {
                if index > 0 { buffer.append(9) }
                if let value { CopyText.append(value.postgresText, to: &buffer) } else { buffer.append(contentsOf: [92, 78]) }
            }
            buffer.append(10)
            if buffer.count >= 1 << 16 { flush() }
            if sendError != nil { break }
        }
        flush()
        let abortMessage = sendError.map { $0.message }
        let ended = abortMessage.map { PQputCopyEnd(handle, $0) } ?? PQputCopyEnd(handle, nil)
        var firstError: PostgresError? = ended == 1 ? nil : failure(nil)
        var count = 0
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                count = Connection.affectedRows(result)
            } else if firstError == nil {
                firstError = failure(result)
            }
            PQclear(result)
        }
        if let sendError { throw sendError }
        if let firstError { throw firstError }
        return count
    }

    // MARK: LISTEN / NOTIFY

    /// Subscribes this session to `channel`; kept across `reconnect`.
    public func listen(_ channel: String) throws {
        try executeScript("LISTEN " + Connection.quoteIdentifier(channel))
        if !listenedChannels.contains(channel) { listenedChannels.append(channel) }
    }

    public func unlisten(_ channel: String) throws {
        try executeScript("UNLISTEN " + Connection.quoteIdentifier(channel))
        listenedChannels.removeAll { $0 == channel }
    }

    /// Sends a notification; inside a transaction it is delivered at commit.
    public func notify(_ channel: String, payload: String = "") throws {
        try query("SELECT pg_notify($1, $2)", [channel, payload])
    }

    /// Waits up to `timeout` for a notification on a listened channel, without busy polling (poll(2) on the
    /// libpq socket). Returns nil on timeout.
    ///
    /// - Throws: `PostgresError.connectionLost` if the server went away while waiting.
    public func waitForNotification(timeout: Duration) throws -> PostgresNotification? {
        let handle = try liveHandle()
        if let pending = takeNotification(handle) { return pending }
        let deadline = ContinuousClock.now + timeout
        while true {
            let remaining = (deadline - ContinuousClock.now).seconds
            if remaining <= 0 { return nil }
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining * 1000, 60_000).rounded(.up)))
            if ready < 0 {
                if errno == EINTR { continue }
                throw PostgresError(kind: .connectionLost, message: "poll failed: errno \(errno)", target: target)
            }
            if ready == 0 { continue }
            if PQconsumeInput(handle) == 0 {
                throw PostgresError(kind: .connectionLost, message: lastErrorMessage(), target: target)
            }
            if let notification = takeNotification(handle) { return notification }
            if PQstatus(handle) != CONNECTION_OK {
                throw PostgresError(kind: .connectionLost, message: lastErrorMessage(), target: target)
            }
        }
    }

    private func takeNotification(_ handle: OpaquePointer) -> PostgresNotification? {
        _ = PQconsumeInput(handle)
        guard let raw = PQnotifies(handle) else { return nil }
        defer { PQfreemem(raw) }
        return PostgresNotification(channel: String(cString: raw.pointee.relname),
                                    payload: raw.pointee.extra.map { String(cString: $0) } ?? "",
                                    processID: raw.pointee.be_pid)
    }

    /// Quotes an identifier (`"my ""table"""`) for the few places SQL cannot take it as a parameter.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A message received through LISTEN/NOTIFY.
public struct PostgresNotification: Sendable, Equatable {
    public let channel: String
    public let payload: String
    /// The server process that sent it.
    public let processID: Int32
}

enum CopyText {
    static func append(_ text: String, to buffer: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case 92: buffer.append(92); buffer.append(92)
            case 10: buffer.append(92); buffer.append(110)
            case 13: buffer.append(92); buffer.append(114)
            case 9: buffer.append(92); buffer.append(116)
            default: buffer.append(byte)
            }
        }
    }
}

extension Duration {
    /// The duration in seconds, for APIs that take a `TimeInterval`.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
