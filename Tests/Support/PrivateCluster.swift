import Foundation

/// A PostgreSQL cluster of its own (initdb + pg_ctl from `VIROSCOPE_PG_BINDIR`) on a free port, for tests
/// that stop and start the server. Run as the `postgres` user when the tests run as root, because initdb
/// and postgres refuse root.
public final class PrivateCluster: @unchecked Sendable {
    public let directory: URL
    public let port: Int
    /// `postgresql://viroscope@127.0.0.1:PORT/postgres`, trust authentication.
    public var url: String { "postgresql://viroscope@127.0.0.1:\(port)/postgres" }
    private let bindir: String
    private var dataDirectory: String { directory.appendingPathComponent("data").path }

    public init() throws {
        guard let bindir = ProcessInfo.processInfo.environment["VIROSCOPE_PG_BINDIR"], !bindir.isEmpty else {
            throw TestSupportError.clusterFailed("VIROSCOPE_PG_BINDIR is not set; run the suite with ops/test")
        }
        self.bindir = bindir
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("viroscope-cluster-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try Self.shell(["chown", "postgres:postgres", directory.path]) }
        port = try Self.freePort()
        try runAsOwner([bindir + "/initdb", "-D", dataDirectory, "-U", "viroscope", "--auth=trust", "--encoding=UTF8",
                        "--locale=C.UTF-8", "--no-sync"])
        let settings = """
            listen_addresses = '127.0.0.1'
            port = \(port)
            unix_socket_directories = ''
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            max_connections = 100
            """
        let config = directory.appendingPathComponent("data/postgresql.conf")
        let handle = try FileHandle(forWritingTo: config)
        handle.seekToEndOfFile()
        handle.write(Data(("\n" + settings + "\n").utf8))
        try handle.close()
        try start()
    }

    deinit {
        try? stop(mode: "immediate")
        try? FileManager.default.removeItem(at: directory)
    }

    public func start() throws {
        try runAsOwner([bindir + "/pg_ctl", "-D", dataDirectory, "-l", directory.appendingPathComponent("server.log").path,
                        "-w", "-t", "60", "start"])
    }

    /// `fast` disconnects clients and shuts down cleanly; `immediate` is a crash.
    public func stop(mode: String = "fast") throws {
        try runAsOwner([bindir + "/pg_ctl", "-D", dataDirectory, "-m", mode, "-w", "stop"])
    }

    private func runAsOwner(_ command: [String]) throws {
        try Self.shell(getuid() == 0 ? ["runuser", "-u", "postgres", "--"] + command : command)
    }

    private static func shell(_ command: [String]) throws {
        let child = try ChildProcess("/usr/bin/env", command)
        let status = try child.wait(timeout: .seconds(120))
        guard status == 0 else {
            throw TestSupportError.clusterFailed("\(command.joined(separator: " ")) failed: \((child.stdout + child.stderr).suffix(2000))")
        }
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError.clusterFailed("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestSupportError.clusterFailed("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
