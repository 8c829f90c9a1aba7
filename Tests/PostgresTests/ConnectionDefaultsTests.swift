import Foundation
import Testing
import Postgres
import TestSupport

@Suite struct ConnectionDefaultsTests {
    @Test func addsMissingOptionsToURLsAndKeepsTheOperatorsChoice() {
        let options = [("keepalives_idle", "10"), ("tcp_user_timeout", "30000")]
        #expect(ConnectionDefaults.apply(options, to: "postgresql://u@h:5/db")
                == "postgresql://u@h:5/db?keepalives_idle=10&tcp_user_timeout=30000")
        #expect(ConnectionDefaults.apply(options, to: "postgresql://u@h/db?sslmode=require&keepalives_idle=60")
                == "postgresql://u@h/db?sslmode=require&keepalives_idle=60&tcp_user_timeout=30000")
        #expect(ConnectionDefaults.apply(options, to: "host=h dbname=db tcp_user_timeout=5")
                == "host=h dbname=db tcp_user_timeout=5 keepalives_idle=10")
        #expect(ConnectionDefaults.apply(options, to: nil) == "keepalives_idle=10 tcp_user_timeout=30000")
    }

    @Test(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
    func theServiceDefaultsAreAcceptedByTheServer() throws {
        let url = try #require(TestDatabase.baseURL)
        let connection = try Connection.connect(url: ConnectionDefaults.apply(ConnectionDefaults.service, to: url))
        #expect(try connection.query("SELECT 1 AS one").first?.int("one") == 1)
    }
}
