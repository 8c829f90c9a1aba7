import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts detached POSIX threads and reports when the system refuses one.
///
/// Foundation's `Thread.start()` gives no error when `pthread_create` fails (a process limit, too little
/// memory for stacks): a pool asked for 100,000 threads would run fewer, silently, and then wait forever on
/// the ones that never started. Here a refusal is an error the caller can turn into a clear message.
enum ThreadLauncher {
    /// Stack per thread: image analysis recurses little but keeps sizeable frames; 8 MiB like the main thread.
    static let stackSize = 8 << 20

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts `body` on a new detached thread.
    ///
    /// - Returns: 0, or the `pthread_create` error (EAGAIN: a process or memory limit).
    static func start(name: String, _ body: @escaping @Sendable () -> Void) -> Int32 {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attributes, stackSize)
        // Linux limits thread names to 15 bytes; named from inside, since a detached thread may be gone already.
        let shortName = String(decoding: Array(name.utf8.prefix(15)), as: UTF8.self)
        let context = Unmanaged.passRetained(Body {
            Thread.current.name = shortName
            body()
        }).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, &attributes, { raw in
            guard let raw else { return nil }
            let body = Unmanaged<Body>.fromOpaque(raw).takeRetainedValue()
            body.run()
            return nil
        }, context)
        if result != 0 { Unmanaged<Body>.fromOpaque(context).release() }
        return result
    }
}
