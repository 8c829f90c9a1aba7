/// The metrics server's request-head parser, reachable from outside the module for the fuzzing harness
/// (`ops/fuzz http`). It runs both ways the server can: one parse of everything, and the incremental scanner
/// fed in chunks, and checks they agree.
public enum HTTPRequestHeadFuzzing {
    /// Parses `bytes` whole and in chunks of `chunk` bytes; returns a description of the outcome.
    /// Traps (so the fuzzer reports it) if the incremental scanner and the one-shot parse disagree.
    public static func check(_ bytes: [UInt8], chunk: Int) -> String {
        let whole = HTTPHeadParse.parse(bytes)
        var scanner = HeadEndScanner()
        var received: [UInt8] = []
        var end: Int?
        var offset = 0
        let step = max(1, chunk)
        while offset < bytes.count, end == nil {
            received += bytes[offset..<min(bytes.count, offset + step)]
            offset += step
            end = scanner.scan(received)
        }
        let incremental = end.map { HTTPHeadParse.parseHead(received[..<$0]) } ?? .incomplete
        precondition(whole == incremental, "one-shot \(whole) and incremental \(incremental) parses disagree")
        switch whole {
        case .incomplete: return "incomplete"
        case let .invalid(reason): return "invalid: \(reason)"
        case let .complete(head): return "\(head.method) \(head.path) \(head.version)"
        }
    }
}
