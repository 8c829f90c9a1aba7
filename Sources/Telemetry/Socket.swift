#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Thin wrappers over the POSIX calls the metrics server makes, hiding the Glibc/Darwin differences.

#if canImport(Glibc)
let streamSocketType = Int32(SOCK_STREAM.rawValue)
/// Linux reports a peer that went away as EPIPE here instead of killing the process with SIGPIPE.
let sendFlags = Int32(MSG_NOSIGNAL)
#elseif canImport(Musl)
let streamSocketType = SOCK_STREAM
let sendFlags = MSG_NOSIGNAL
#else
let streamSocketType = SOCK_STREAM
// Darwin has no MSG_NOSIGNAL; SO_NOSIGPIPE is set on every socket instead.
let sendFlags: Int32 = 0
#endif

func errnoDescription(_ code: Int32) -> String {
    guard let message = strerror(code) else {
        return "errno \(code)"
    }
    return "\(String(cString: message)) (errno \(code))"
}

func closeSocket(_ fd: Int32) {
    _ = close(fd)
}

func setFlag(_ fd: Int32, level: Int32, option: Int32) -> Bool {
    var on: Int32 = 1
    return setsockopt(fd, level, option, &on, socklen_t(MemoryLayout<Int32>.size)) == 0
}

/// Marks a descriptor close-on-exec and, on Darwin, suppresses SIGPIPE on it.
func prepareDescriptor(_ fd: Int32) {
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    #if canImport(Darwin)
    _ = setFlag(fd, level: SOL_SOCKET, option: SO_NOSIGPIPE)
    #endif
}

/// Milliseconds left until `deadline`, rounded up, for `poll`; 0 once it has passed.
func milliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
    let remaining = ContinuousClock.now.duration(to: deadline)
    guard remaining > .zero else {
        return 0
    }
    let (seconds, attoseconds) = remaining.components
    return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
}

/// Waits until `fd` is ready for `events` (`POLLIN` or `POLLOUT`) or `milliseconds` pass. Returns false
/// on timeout or error.
func waitReady(_ fd: Int32, for events: Int32, milliseconds: Int32) -> Bool {
    var entry = pollfd(fd: fd, events: Int16(events), revents: 0)
    while true {
        let ready = poll(&entry, 1, milliseconds)
        if ready < 0 && errno == EINTR {
            continue
        }
        return ready > 0
    }
}

/// Writes all of `bytes` before `deadline`, retrying partial writes. Returns false once the peer is gone
/// or the deadline passes, so a client that stops reading cannot pin a thread.
@discardableResult
func sendAll(_ fd: Int32, _ bytes: [UInt8], deadline: ContinuousClock.Instant) -> Bool {
    var offset = 0
    while offset < bytes.count {
        guard waitReady(fd, for: Int32(POLLOUT), milliseconds: milliseconds(until: deadline)) else {
            return false
        }
        let written = bytes.withUnsafeBytes { buffer in
            send(fd, buffer.baseAddress! + offset, buffer.count - offset, sendFlags | Int32(MSG_DONTWAIT))
        }
        if written < 0 {
            if errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK {
                continue
            }
            return false
        }
        offset += written
    }
    return true
}

/// The port a bound socket actually got (the interesting case being port 0).
func boundPort(_ fd: Int32) -> Int? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let result = withUnsafeMutablePointer(to: &storage) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard result == 0 else {
        return nil
    }
    switch Int32(storage.ss_family) {
    case AF_INET:
        return withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    case AF_INET6:
        return withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
        }
    default:
        return nil
    }
}

/// Resolves `host`, binds the first address that accepts, and listens. Returns the listening descriptor.
func makeListener(host: String, port: Int, backlog: Int32) throws(MetricsServerError) -> Int32 {
    guard (0...65535).contains(port) else {
        throw .invalidPort(port)
    }
    var hints = addrinfo()
    hints.ai_flags = AI_PASSIVE
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = streamSocketType
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(host, String(port), &hints, &list)
    guard status == 0, let first = list else {
        throw .resolve(host: host, port: port, message: String(cString: gai_strerror(status)))
    }
    defer { freeaddrinfo(list) }

    var lastError = MetricsServerError.resolve(host: host, port: port, message: "no usable address")
    var candidate: UnsafeMutablePointer<addrinfo>? = first
    while let info = candidate {
        candidate = info.pointee.ai_next
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else {
            lastError = .socket(call: "socket", host: host, port: port, errno: errno)
            continue
        }
        prepareDescriptor(fd)
        // A restarted worker must be able to rebind while old connections sit in TIME_WAIT.
        _ = setFlag(fd, level: SOL_SOCKET, option: SO_REUSEADDR)
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            lastError = .socket(call: "bind", host: host, port: port, errno: errno)
            closeSocket(fd)
            continue
        }
        guard listen(fd, backlog) == 0 else {
            lastError = .socket(call: "listen", host: host, port: port, errno: errno)
            closeSocket(fd)
            continue
        }
        return fd
    }
    throw lastError
}
