/// The part of an HTTP/1.x request the metrics server needs: method and path. Headers are checked for shape
/// but otherwise ignored, and a body is never read (every response closes the connection).
struct HTTPRequestHead: Equatable, Sendable {
    var method: String
    /// The request target without its query string.
    var path: String
    var version: String
}

/// What the bytes received so far amount to.
enum HTTPHeadParse: Equatable, Sendable {
    /// The blank line ending the head has not arrived yet.
    case incomplete
    case complete(HTTPRequestHead)
    case invalid(String)

    /// Parses the request head at the start of `bytes`. Bare `\n` line ends are accepted, as RFC 9112
    /// allows a recipient to.
    static func parse(_ bytes: [UInt8]) -> HTTPHeadParse {
        var scanner = HeadEndScanner()
        guard let headEnd = scanner.scan(bytes) else {
            return .incomplete
        }
        return parseHead(bytes[..<headEnd])
    }

    /// Parses a head already known to be complete (as found by ``HeadEndScanner``).
    static func parseHead(_ head: ArraySlice<UInt8>) -> HTTPHeadParse {
        var lines = head.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { line in line.last == UInt8(ascii: "\r") ? line.dropLast() : line }
        // RFC 9112 §2.2: a server should ignore empty lines before the request line.
        while let first = lines.first, first.isEmpty {
            lines.removeFirst()
        }
        guard let requestLine = lines.first else {
            return .invalid("empty request")
        }
        let parts = requestLine.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            return .invalid("request line is not 'METHOD target HTTP/x.y'")
        }
        let method = parts[0]
        guard !method.isEmpty, method.allSatisfy(isTokenByte) else {
            return .invalid("bad method")
        }
        let target = parts[1]
        guard target.first == UInt8(ascii: "/"), target.allSatisfy(isVisibleASCII) else {
            return .invalid("bad request target")
        }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            return .invalid("unsupported version")
        }
        for header in lines.dropFirst() where !header.isEmpty {
            guard let colon = header.firstIndex(of: UInt8(ascii: ":")),
                colon != header.startIndex,
                header[..<colon].allSatisfy(isTokenByte)
            else {
                return .invalid("malformed header line")
            }
        }
        let path = target.split(separator: UInt8(ascii: "?"), maxSplits: 1, omittingEmptySubsequences: false)[0]
        return .complete(
            HTTPRequestHead(
                method: String(decoding: method, as: UTF8.self),
                path: String(decoding: path, as: UTF8.self),
                version: version))
    }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static func isVisibleASCII(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F
    }
}

/// Finds the blank line that ends a request head, resuming where the previous call stopped, so a client
/// trickling bytes costs linear rather than quadratic work.
struct HeadEndScanner {
    private var index = 0
    private var lineStart = 0
    private var sawContent = false

    /// Scans the bytes appended to `bytes` since the last call; returns the index of the `\n` that ends
    /// the blank line once it has arrived. `bytes` must only ever grow between calls.
    mutating func scan(_ bytes: [UInt8]) -> Int? {
        while index < bytes.endIndex {
            defer { index += 1 }
            guard bytes[index] == UInt8(ascii: "\n") else {
                continue
            }
            let lineLength = index - lineStart
            let blank = lineLength == 0 || (lineLength == 1 && bytes[lineStart] == UInt8(ascii: "\r"))
            lineStart = index + 1
            if blank && sawContent {
                return index
            }
            sawContent = sawContent || !blank
        }
        return nil
    }
}
