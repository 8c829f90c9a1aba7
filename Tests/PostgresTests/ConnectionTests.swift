import Foundation
import Postgres
import Testing
import TestSupport

@Suite(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct ConnectionTests {
    @Test func parametersNullsTypesAndUnicodeRoundTrip() throws {
        let database = try TestDatabase.create(migrate: false)
        defer { database.drop() }
        let connection = try database.connect()
        let id = UUID()
        let text = "Zoë's 細胞 ☣︎ \"quoted\" \\ back\tslash\nnew line; DROP TABLE x; --"
        let rows = try connection.query("""
            SELECT $1::bigint AS big, $2::int AS small, $3::float8 AS real, $4::boolean AS flag, $5::text AS words,
                   $6::uuid AS id, $7::text AS missing, $8::text[] AS list, $9::timestamptz AS at
            """, [Int64.max, -42, 0.1, true, text, id, nil, ["a,b", "{c}", "NULL", "d\"e"], Date(timeIntervalSince1970: 1_700_000_000.25)])
        let row = try #require(rows.first)
        #expect(try row.int64("big") == Int64.max)
        #expect(try row.int("small") == -42)
        #expect(try row.double("real") == 0.1)
        #expect(try row.bool("flag") == true)
        #expect(try row.string("words") == text)
        #expect(try row.uuid("id") == id)
        #expect(try row.optionalString("missing") == nil)
        #expect(try row.string("list") == #"{"a,b","{c}","NULL","d\"e"}"#)
        #expect(abs(try row.date("at").timeIntervalSince1970 - 1_700_000_000.25) < 1e-6)
        let lengths = try connection.query("SELECT array_length($1::text[], 1) AS n, ($1::text[])[3] AS third",
                                           [["a,b", "{c}", "NULL", "d\"e"]])
        #expect(try lengths[0].int("n") == 4)
        #expect(try lengths[0].string("third") == "NULL")
        let withNull = try connection.query("SELECT ($1::bigint[])[2] IS NULL AS is_null", [[Int64(1), nil, 3] as [Int64?]])
        #expect(try withNull[0].bool("is_null"))
    }

    @Test func cachedStatementsSurviveSchemaChanges() throws {
        let database = try TestDatabase.create(migrate: false)
        defer { database.drop() }
        let connection = try database.connect()
        try connection.execute("CREATE TABLE t (a int)")
        try connection.execute("INSERT INTO t VALUES ($1)", [1])
        let select = "SELECT * FROM t WHERE a >= $1"
        #expect(try connection.query(select, [0])[0].columnNames == ["a"])
        try connection.execute("ALTER TABLE t ADD COLUMN b text")
        #expect(try connection.query(select, [0])[0].columnNames == ["a", "b"])
        #expect(try connection.query(select, [0]).count == 1)
    }

    @Test func accessorsRejectNullAndWrongTypes() throws {
        let database = try TestDatabase.create(migrate: false)
        defer { database.drop() }
        let row = try #require(try database.connect().query("SELECT NULL::int AS n, 'x'::text AS t, 1.5::float8 AS f").first)
        #expect(throws: RowDecodingError.unexpectedNull(column: "n")) { try row.int64("n") }
        #expect(throws: RowDecodingError.self) { try row.int64("t") }
        #expect(throws: RowDecodingError.self) { try row.bool("f") }
        #expect(throws: RowDecodingError.self) { try row.string("nope") }
        #expect(try row.optionalInt64("n") == nil)
    }

    @Test func uniqueViolationCarriesSQLStateDetailAndTarget() throws {
        let database = try TestDatabase.create(migrate: false)
        defer { database.drop() }
        let connection = try database.connect()
        try connection.execute("CREATE TABLE things (name text PRIMARY KEY)")
        try connection.execute("INSERT INTO things VALUES ($1)", ["a"])
        let error = try #require(throws: PostgresError.self) {
            try connection.execute("INSERT INTO things VALUES ($1)", ["a"])
        }
        #expect(error.sqlState == "23505")
        #expect(error.kind == .server)
        #expect(error.detail?.contains("(name)=(a)") == true)
        #expect(error.description.contains("127.0.0.1"))
        #expect(!error.isConnectionProblem)
        // The session is still usable after a failed statement.
        #expect(try connection.query("SELECT count(*) AS n FROM things")[0].int("n") == 1)
    }

    @Test func transactionRollsBackOnThrowAndNestsWithSavepoints() throws {
        struct Boom: Error {}
        let database = try TestDatabase.create(migrate: false)
        defer { database.drop() }
        let connection = try database.connect()
        try connection.execute("CREATE TABLE t (v int)")
        #expect(throws: Boom.self) {
            try connection.transaction { conn in
                try conn.execute("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        try connection.transaction { conn in
            try conn.execute("INSERT INTO t VALUES (2)")
            #expect(throws: Boom.self) {
                try conn.transaction { inner in
                    try inner.execute("INSERT INTO t VALUES (3)")
                    throw Boom()
                }
            }
        }
        #expect(try connection.query("SELECT array_agg(v ORDER BY v)::text AS vs FROM t")[0].string("vs") == "{2}")
        #expect(!connection.isInTransaction)
    }

    @Test func copyInRoundTripsAwkwardText() throws {
        let database = try TestDatabase.create(migrate: false)
        defer { database.drop() }
        let connection = try database.connect()
        try connection.execute("CREATE TABLE nuclei (id bigint, label text, p float8)")
        let labels = ["tab\there", "line\nbreak", "back\\slash", "cr\rhere", "\\N", "unicode ✓ 核", ""]
        var rows: [[(any PostgresValue)?]] = labels.enumerated().map { [Int64($0.offset), $0.element, 0.5] }
        rows.append([Int64(99), nil, nil])
        let copied = try connection.copyIn(table: "nuclei", columns: ["id", "label", "p"], rows: rows)
        #expect(copied == labels.count + 1)
        let back = try connection.query("SELECT id, label, p FROM nuclei ORDER BY id")
        #expect(try back.prefix(labels.count).map { try $0.string("label") } == labels)
        #expect(try back.last?.optionalString("label") == nil)
        #expect(try back.last?.optionalDouble("p") == nil)
        // A bad value rejects the whole COPY with the server's error.
        let error = try #require(throws: PostgresError.self) {
            try connection.copyIn(table: "nuclei", columns: ["id", "label", "p"], rows: [[Int64(1), "x", "not a number"]])
        }
        #expect(error.sqlState == "22P02")
        #expect(try connection.query("SELECT count(*) AS n FROM nuclei")[0].int("n") == labels.count + 1)
    }

    @Test func listenNotifyDeliversAndTimesOut() throws {
        let database = try TestDatabase.create(migrate: false)
        defer { database.drop() }
        let listener = try database.connect()
        let sender = try database.connect()
        let channel = "chan_" + database.schema
        try listener.listen(channel)
        let start = ContinuousClock.now
        #expect(try listener.waitForNotification(timeout: .milliseconds(150)) == nil)
        #expect(ContinuousClock.now - start >= .milliseconds(140))
        try sender.transaction { conn in
            try conn.notify(channel, payload: "hello ☣")
            try conn.notify(channel, payload: "second")
        }
        let first = try #require(try listener.waitForNotification(timeout: .seconds(5)))
        #expect(first.channel == channel)
        #expect(first.payload == "hello ☣")
        #expect(try listener.waitForNotification(timeout: .seconds(5))?.payload == "second")
    }

    @Test func badURLErrorNamesRedactedTarget() throws {
        let error = try #require(throws: PostgresError.self) {
            try Connection.connect(url: "postgresql://viroscope:s3cret-pw@127.0.0.1:1/viroscope")
        }
        #expect(error.kind == .connectionFailed)
        #expect(error.isConnectionProblem)
        #expect(error.description.contains("postgresql://viroscope:***@127.0.0.1:1/viroscope"))
        #expect(!error.description.contains("s3cret-pw"))
        let malformed = try #require(throws: PostgresError.self) {
            try Connection.connect(url: "postgresql://u:hunter2@127.0.0.1:notaport/db")
        }
        #expect(!malformed.description.contains("hunter2"))
        #expect(malformed.description.contains("u:***@127.0.0.1"))
    }

    @Test func connectRetriesForAWhileThenFails() throws {
        let start = ContinuousClock.now
        #expect(throws: PostgresError.self) {
            try Connection.connect(url: "postgresql://viroscope@127.0.0.1:1/viroscope", retryFor: .milliseconds(400))
        }
        #expect(ContinuousClock.now - start >= .milliseconds(350))
    }

    @Test func serverDownErrorNamesTargetAndReconnectRecovers() throws {
        let cluster = try PrivateCluster()
        let connection = try Connection.connect(url: cluster.url)
        try connection.listen("wake")
        #expect(try connection.query("SELECT 1 AS one")[0].int("one") == 1)
        try cluster.stop()
        let error = try #require(throws: PostgresError.self) { try connection.query("SELECT 1 AS one") }
        #expect(error.isConnectionProblem)
        #expect(error.description.contains("127.0.0.1:\(cluster.port)"))
        #expect(throws: PostgresError.self) { try connection.reconnect(retryFor: .milliseconds(200)) }
        try cluster.start()
        try connection.reconnect(retryFor: .seconds(20))
        #expect(try connection.query("SELECT 1 AS one")[0].int("one") == 1)
        // LISTEN survives the reconnect.
        try Connection.connect(url: cluster.url).notify("wake", payload: "again")
        #expect(try connection.waitForNotification(timeout: .seconds(5))?.payload == "again")
    }
}

@Suite struct RedactionTests {
    @Test func passwordsAreRemovedFromEveryForm() {
        #expect(ConnectionTarget.redact("postgresql://me:pw@db:5432/x?sslmode=require") == "postgresql://me:***@db:5432/x?sslmode=require")
        #expect(ConnectionTarget.redact("postgresql://me@db/x?password=pw&sslmode=require") == "postgresql://me:***@db/x?sslmode=require")
        #expect(ConnectionTarget.redact("host=db password='p w\\'x' user=me") == "user=me password=*** host=db")
        #expect(ConnectionTarget.redact("postgresql://db/x") == "postgresql://db/x")
        #expect(!ConnectionTarget.redact("postgres://a:b@c@d/x").contains("c@d"))
    }
}
