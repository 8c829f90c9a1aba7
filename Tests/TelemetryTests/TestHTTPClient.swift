#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging

/// Keeps the servers' start/stop lines out of the test output.
let quietLogger = Logger(label: "telemetry-tests", factory: { _ in SwiftLogNoOpLogHandler() })

struct TestClientError: Error, CustomStringConvertible {
    var description: String
}

/// What came back on a connection before the server closed it.
struct RawResponse {
    var raw: String

    var status: Int? {
        let parts = raw.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1.") else {
            return nil
        }
        return Int(parts[1])
    }

    /// Header value by case-insensitive name.
    func header(_ name: String) -> String? {
        let head = raw.components(separatedBy: "\r\n\r\n").first ?? ""
        for line in head.components(separatedBy: "\r\n").dropFirst() {
            let pieces = line.split(separator: ":", maxSplits: 1)
            if pieces.count == 2, pieces[0].lowercased() == name.lowercased() {
                return pieces[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    var body: String {
        guard let range = raw.range(of: "\r\n\r\n") else {
            return ""
        }
        return String(raw[range.upperBound...])
    }
}

/// A deliberately dumb blocking TCP client, so the tests exercise the server the way curl or Prometheus
/// would: a real connection to 127.0.0.1.
enum TestHTTPClient {
    static func connect(port: Int) throws -> Int32 {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else {
            throw TestClientError(description: "socket: errno \(errno)")
        }
        #if canImport(Darwin)
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif
        var timeout = timeval()
        timeout.tv_sec = 5
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw TestClientError(description: "connect to port \(port): errno \(code)")
        }
        return fd
    }

    /// Sends what it can of `bytes`; a server that closes early makes the rest fail, which is allowed.
    @discardableResult
    static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                #if canImport(Glibc)
                Glibc.send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                #else
                Darwin.send(fd, buffer.baseAddress! + offset, buffer.count - offset, 0)
                #endif
            }
            if written <= 0 {
                return false
            }
            offset += written
        }
        return true
    }

    /// Reads until the server closes (or resets) the connection, or the 5 s receive timeout passes.
    static func readAll(_ fd: Int32) -> RawResponse {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 {
                break
            }
            data.append(contentsOf: chunk[0..<count])
        }
        return RawResponse(raw: String(decoding: data, as: UTF8.self))
    }

    /// One complete exchange: connect, send `request`, read the response, close.
    static func exchange(port: Int, _ request: String) throws -> RawResponse {
        try exchange(port: port, Array(request.utf8))
    }

    static func exchange(port: Int, _ request: [UInt8]) throws -> RawResponse {
        let fd = try connect(port: port)
        defer { close(fd) }
        send(fd, request)
        return readAll(fd)
    }

    static func get(port: Int, _ path: String, method: String = "GET") throws -> RawResponse {
        try exchange(port: port, "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nUser-Agent: telemetry-tests\r\n\r\n")
    }
}

// Inside TestHTTPClient, a bare `connect` would mean its own static method.
private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    #if canImport(Glibc)
    Glibc.connect(fd, address, length)
    #else
    Darwin.connect(fd, address, length)
    #endif
}
