import Foundation
import Postgres
import Testing
import TestSupport

/// Passwords never reach an error line or a log, however they are spelled (issue 13 item 3).
@Suite struct SecretRedactionTests {
    /// Passwords with the characters that break naive URL redaction, written the way careless users write them.
    static let hostile: [(url: String, secret: String)] = [
        ("postgresql://alice:pa/ss9secret@127.0.0.1:1/db", "ss9secret"),
        ("postgresql://alice:pa?ss9secret@127.0.0.1:1/db", "ss9secret"),
        ("postgresql://alice:pa@ss9secret@127.0.0.1:1/db", "ss9secret"),
        ("postgresql://alice:pa%zzss9secret@127.0.0.1:1/db", "ss9secret"),
        ("postgresql://alice:pa%2Fss9secret@127.0.0.1:1/db", "ss9secret"),
        ("postgresql://alice@127.0.0.1:1/db?password=ss9secret&sslmode=disable", "ss9secret"),
        ("host=127.0.0.1 port=1 password='ss9 secret' user=alice", "ss9 secret"),
        ("host=127.0.0.1 port=1 password=ss9secret' user=alice", "ss9secret"),
    ]

    @Test func theTargetNeverHoldsThePassword() {
        for (url, secret) in Self.hostile {
            let shown = ConnectionTarget.redact(url)
            #expect(!shown.contains(secret), "\(url) → \(shown)")
            #expect(!shown.contains("pa/ss") && !shown.contains("pa%zz"), "\(url) → \(shown)")
        }
        // A well-formed, percent-encoded password is parsed by libpq and hidden; the rest stays readable.
        #expect(ConnectionTarget.redact("postgresql://alice:pa%2Fss@db.example:5432/viroscope?sslmode=verify-full")
                == "postgresql://alice:***@db.example:5432/viroscope?sslmode=verify-full")
    }

    @Test func connectingWithAHostileURLNeverPrintsThePassword() {
        for (url, secret) in Self.hostile {
            do {
                _ = try Connection.connect(url: url)
                Issue.record("connected to \(url)?")
            } catch {
                #expect(!"\(error)".contains(secret), "\(error)")
            }
        }
    }

    @Test func unreadableURLsAreDescribedNotEchoed() {
        let problem = ConnectionTarget.parseProblem("postgresql://alice:pa%zzss9secret@host/db")
        #expect(problem != nil)
        #expect(!(problem ?? "").contains("ss9secret"), "\(problem ?? "")")
        #expect(ConnectionTarget.parseProblem("postgresql://alice:pa/ss9secret@host/db") != nil)
        #expect(ConnectionTarget.parseProblem("postgresql://alice:fine@host/db") == nil)
    }

    @Test func theExecutablesNeverPrintThePassword() throws {
        for (url, secret) in Self.hostile {
            let status = try ChildProcess.run(try BuiltExecutable.path("viroscope-coordinator"),
                                              ["status", "--database-url", url])
            #expect(status.status == 1, "\(url): \(status.stderr)")
            #expect(!status.stderr.contains(secret) && !status.stdout.contains(secret), "\(status.stderr)")
            let report = try ChildProcess.run(try BuiltExecutable.path("viroscope-report"),
                                              ["--campaign", "x", "--database-url", url])
            #expect(report.status == 1, "\(url): \(report.stderr)")
            #expect(!report.stderr.contains(secret), "\(report.stderr)")
            // The worker waits for a database that is still starting; a URL it cannot read fails at once.
            guard ConnectionTarget.parseProblem(url) != nil else { continue }
            let worker = try ChildProcess.run(try BuiltExecutable.path("viroscope-worker"),
                                              ["run", "--database-url", url, "--exit-when-idle"], timeout: .seconds(60))
            #expect(worker.status != 0, "\(url)")
            #expect(!worker.stderr.contains(secret) && !worker.stdout.contains(secret), "\(worker.stderr)")
        }
    }
}
