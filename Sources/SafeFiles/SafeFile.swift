#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens input files so that they are what they claim to be: one implementation for submit, the worker,
/// `inspect` and the plate-map reader.
///
/// - Non-regular files are refused without blocking: a FIFO named `.tif` would otherwise hang `open()` until
///   a writer appears (forever), so the file is opened with `O_NONBLOCK`, checked with `fstat`, and only then
///   switched back to blocking reads. Directories get "is a directory"; devices and sockets are refused too.
/// - Paths under an image root are contained by their resolved path: `realpath` must stay inside the root's
///   `realpath`, and the resolved path is then opened one component at a time with `openat(O_NOFOLLOW)`, so a
///   symlink swapped in between the check and the open is refused rather than followed.
///
/// Errors name the path and the reason; they never quote the file's content.
public enum SafeFile {
    /// Opens `path` read-only (following symlinks, as a user-given path should) if it is a regular file.
    /// - Returns: an open descriptor in blocking mode; the caller closes it.
    public static func openRegular(_ path: String) throws(SafeFileError) -> Int32 {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw openError(path, errno) }
        return try checkedRegular(fd, path: path)
    }

    /// Opens `relativePath` under `root` if it is a regular file whose resolved path lies inside the
    /// resolved root.
    /// - Parameter displayPath: how errors name the file (default: `relativePath`).
    /// - Returns: an open descriptor in blocking mode; the caller closes it.
    public static func openContained(root: String, relativePath: String, displayPath: String? = nil)
        throws(SafeFileError) -> Int32
    {
        let name = displayPath ?? relativePath
        if let reason = lexicalEscape(relativePath) { throw .escapesRoot(path: name, reason: reason) }
        guard let realRoot = resolve(root) else { throw .rootUnavailable(root: root, reason: describe(errno)) }
        let joined = realRoot == "/" ? "/" + relativePath : realRoot + "/" + relativePath
        guard let real = resolve(joined) else { throw openError(name, errno) }
        let rootPrefix = realRoot == "/" ? "/" : realRoot + "/"
        guard real.hasPrefix(rootPrefix) else {
            throw .escapesRoot(path: name, reason: "it resolves (through a symlink) to a file outside the image root")
        }
        let components = real.dropFirst(rootPrefix.count).split(separator: "/").map(String.init)
        guard let last = components.last else { throw .notRegular(path: name, kind: "the image root itself") }
        var directory = open(realRoot, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { throw .rootUnavailable(root: root, reason: describe(errno)) }
        for component in components.dropLast() {
            let next = openat(directory, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let failure = errno
            close(directory)
            guard next >= 0 else { throw containedOpenError(name, failure) }
            directory = next
        }
        let fd = openat(directory, last, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        let failure = errno
        close(directory)
        guard fd >= 0 else { throw containedOpenError(name, failure) }
        return try checkedRegular(fd, path: name)
    }

    /// Reads a whole regular file of at most `limit` bytes.
    public static func readAll(_ path: String, limit: Int) throws(SafeFileError) -> [UInt8] {
        let fd = try openRegular(path)
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, reason: describe(errno)) }
        guard Int(info.st_size) <= limit else { throw .tooLarge(path: path, bytes: Int(info.st_size), limit: limit) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: describe(errno))
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
            // The file may grow after fstat: the limit holds for what is read, not only for what was declared.
            guard bytes.count <= limit else { throw .tooLarge(path: path, bytes: bytes.count, limit: limit) }
        }
        return bytes
    }

    /// Why `path` escapes a root on its face (absolute, `..`, backslashes), or nil.
    public static func lexicalEscape(_ path: String) -> String? {
        if path.hasPrefix("/") || path.hasPrefix("~") { return "absolute paths are not allowed" }
        if path.contains("\\") { return "backslashes are not allowed; use '/'" }
        if path.split(separator: "/").contains("..") { return "'..' is not allowed" }
        if path.utf8.contains(0) { return "a NUL byte is not allowed" }
        return nil
    }

    /// The canonical absolute path with every symlink resolved, or nil (errno set) if it does not exist.
    public static func resolve(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    // MARK: - Helpers

    private static func checkedRegular(_ fd: Int32, path: String) throws(SafeFileError) -> Int32 {
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let failure = errno
            close(fd)
            throw .unreadable(path: path, reason: describe(failure))
        }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            close(fd)
            if type == S_IFDIR { throw .isDirectory(path: path) }
            throw .notRegular(path: path, kind: kindName(type))
        }
        // Regular files never block; reads should simply wait for slow storage like any other read.
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        return fd
    }

    private static func kindName(_ type: mode_t) -> String {
        switch type {
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }

    private static func openError(_ path: String, _ code: Int32) -> SafeFileError {
        switch code {
        case ENOENT: return .notFound(path: path)
        case EISDIR: return .isDirectory(path: path)
        case EACCES, EPERM: return .permissionDenied(path: path)
        default: return .unreadable(path: path, reason: describe(code))
        }
    }

    /// A symlink or non-directory met on the resolved path means the tree changed after `realpath`.
    private static func containedOpenError(_ path: String, _ code: Int32) -> SafeFileError {
        if code == ELOOP || code == ENOTDIR {
            return .escapesRoot(path: path, reason: "a symlink appeared on its path while it was being opened")
        }
        return openError(path, code)
    }

    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// Why a file could not be opened safely. Messages name the file and never quote its content.
public enum SafeFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(path: String)
    case isDirectory(path: String)
    /// A FIFO, device, socket or anything else that is not a regular file.
    case notRegular(path: String, kind: String)
    case permissionDenied(path: String)
    case tooLarge(path: String, bytes: Int, limit: Int)
    /// The path leaves the root (lexically, or through a symlink once resolved).
    case escapesRoot(path: String, reason: String)
    /// The root itself cannot be resolved or opened: a node problem, not a file problem.
    case rootUnavailable(root: String, reason: String)
    case unreadable(path: String, reason: String)

    /// The file this error is about.
    public var path: String {
        switch self {
        case let .notFound(path), let .isDirectory(path), let .notRegular(path, _), let .permissionDenied(path),
             let .tooLarge(path, _, _), let .escapesRoot(path, _), let .unreadable(path, _):
            return path
        case let .rootUnavailable(root, _): return root
        }
    }

    /// What is wrong, without the path: for messages that name the file themselves.
    public var reason: String {
        switch self {
        case .notFound: return "no such file"
        case .isDirectory: return "it is a directory, not a file"
        case let .notRegular(_, kind): return "it is \(kind), not a regular file; refused"
        case .permissionDenied: return "permission denied"
        case let .tooLarge(_, bytes, limit): return "it is \(bytes) bytes; at most \(limit) are accepted"
        case let .escapesRoot(_, reason): return "it escapes the image root: \(reason)"
        case let .rootUnavailable(_, reason): return "the image root is not available: \(reason)"
        case let .unreadable(_, reason): return reason
        }
    }

    public var description: String { "'\(path)': \(reason)" }
}
