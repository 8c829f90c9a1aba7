import Foundation

/// Finds the package's built executables: next to the running test bundle first (same build configuration),
/// then `.build/release` and `.build/debug` of the repository.
public enum BuiltExecutable {
    public static func path(_ name: String) throws -> String {
        var candidates: [URL] = []
        if let first = CommandLine.arguments.first {
            var directory = URL(fileURLWithPath: first).resolvingSymlinksInPath().deletingLastPathComponent()
            // Inside an .xctest bundle the binary is a few levels below the build directory.
            for _ in 0..<4 {
                candidates.append(directory.appendingPathComponent(name))
                directory = directory.deletingLastPathComponent()
            }
        }
        for configuration in ["release", "debug"] {
            candidates.append(RepositoryPaths.root.appendingPathComponent(".build/\(configuration)/\(name)"))
        }
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate.path
        }
        throw TestSupportError.executableNotFound(name, searched: candidates.map(\.path))
    }
}

/// A child process started with posix_spawn, stdout and stderr in temporary files, stdin from /dev/null.
///
/// Not Foundation's `Process`: its termination monitoring can hang when the child leaves a daemon behind
/// (`pg_ctl start`), and tests need SIGKILL/SIGTERM by pid anyway.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    public let name: String
    private let stdoutPath: String
    private let stderrPath: String
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// Starts `executable` (a name from `BuiltExecutable`, or a path) with `arguments`; `environment` is added
    /// to this process's environment.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        let path = executable.contains("/") ? executable : try BuiltExecutable.path(executable)
        name = (path as NSString).lastPathComponent
        let base = NSTemporaryDirectory() + "viroscope-child-\(UUID().uuidString)"
        stdoutPath = base + ".out"
        stderrPath = base + ".err"
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        // A child starts with SIGTERM and SIGINT at their defaults and no signal blocked, as under systemd,
        // Docker or slurmstepd: in-process workers of other tests ignore or block them here (for their
        // dispatch sources), both are inherited across exec, and a shell cannot trap an inherited ignore.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var child: pid_t = 0
        let result = posix_spawnp(&child, path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw TestSupportError.spawnFailed(path, errno: result) }
        pid = child
    }

    deinit {
        if status == nil {
            kill(pid, SIGKILL)
            _ = try? wait(timeout: .seconds(5))
        }
        unlink(stdoutPath)
        unlink(stderrPath)
    }

    public func signal(_ number: Int32) { kill(pid, number) }

    /// The exit status if it has exited (128 + signal number if killed by a signal), else nil.
    public var status: Int32? {
        lock.lock()
        defer { lock.unlock() }
        if let exitStatus { return exitStatus }
        var raw: Int32 = 0
        guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
        let signalled = raw & 0x7f
        exitStatus = signalled == 0 ? (raw >> 8) & 0xff : 128 + signalled
        return exitStatus
    }

    public var isRunning: Bool { status == nil }

    /// Waits for exit and returns the status; kills the process and throws after `timeout`.
    @discardableResult
    public func wait(timeout: Duration = .seconds(60)) throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status { return status }
            if ContinuousClock.now > deadline {
                kill(pid, SIGKILL)
                throw TestSupportError.timedOut("\(name) still running after \(timeout); stderr: \(stderr.suffix(3000))")
            }
            usleep(10_000)
        }
    }

    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Runs to completion and returns (status, stdout, stderr).
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           timeout: Duration = .seconds(60)) throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try ChildProcess(executable, arguments, environment: environment)
        let status = try child.wait(timeout: timeout)
        return (status, child.stdout, child.stderr)
    }
}
