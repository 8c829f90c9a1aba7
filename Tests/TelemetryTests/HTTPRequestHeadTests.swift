import Testing
@testable import Telemetry

@Suite struct HTTPRequestHeadTests {
    private func parse(_ text: String) -> HTTPHeadParse {
        HTTPHeadParse.parse(Array(text.utf8))
    }

    @Test func headWithoutBlankLineIsIncomplete() {
        #expect(parse("") == .incomplete)
        #expect(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n") == .incomplete)
        #expect(parse("\r\n\r\n") == .incomplete)
    }

    @Test func completeHeadYieldsMethodAndPathWithoutQuery() {
        let expected = HTTPRequestHead(method: "GET", path: "/metrics", version: "HTTP/1.1")
        #expect(parse("GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\n\r\n") == .complete(expected))
        #expect(parse("\r\nGET /metrics HTTP/1.1\n\n") == .complete(expected))
    }

    @Test(arguments: [
        "GET  /metrics HTTP/1.1\r\n\r\n",
        "G(T /metrics HTTP/1.1\r\n\r\n",
        "GET /met rics HTTP/1.1\r\n\r\n",
        "GET /metrics HTTP/1.1\r\n: empty name\r\n\r\n",
    ])
    func malformedHeadIsInvalid(request: String) {
        guard case .invalid = parse(request) else {
            Issue.record("accepted \(request.debugDescription)")
            return
        }
    }

    @Test func scannerResumesAcrossChunks() {
        let request = Array("\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\nleftover".utf8)
        var scanner = HeadEndScanner()
        var received: [UInt8] = []
        var found: Int?
        for byte in request where found == nil {
            received.append(byte)
            found = scanner.scan(received)
        }
        // The index of the final "\n" of "\r\n\r\n", not of the leading empty line.
        #expect(found == request.count - "leftover".utf8.count - 1)
    }

    @Test func healthJSONEscapesAndOrdersFields() {
        let report = HealthReport(isHealthy: false, details: ["z": "last", "a": "quote \" back\\slash\nline\u{1}", "status": "ignored"])
        #expect(report.json == #"{"status":"unavailable","a":"quote \" back\\slash\nline\u0001","z":"last"}"#)
    }
}
