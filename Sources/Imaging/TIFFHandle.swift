#if canImport(Glibc)
import Glibc
#endif
import CTIFF
import Logging

/// An open libtiff handle whose warnings and errors are captured instead of printed, so the reader can put
/// libtiff's own words into the error it throws and route warnings to a logger.
final class TIFFHandle {
    let tif: OpaquePointer
    let path: String
    private let messages: UnsafeMutablePointer<viroscope_tiff_messages>

    private init(tif: OpaquePointer, path: String, messages: UnsafeMutablePointer<viroscope_tiff_messages>) {
        self.tif = tif
        self.path = path
        self.messages = messages
    }

    private var isClosed = false

    deinit {
        if !isClosed { TIFFClose(tif) }
        messages.deallocate()
    }

    /// Flushes and closes the file now (a writer must do this before renaming it into place).
    /// Returns false when libtiff reported an error while flushing.
    func close() -> Bool {
        guard !isClosed else { return errorCount == 0 }
        isClosed = true
        TIFFClose(tif)
        return errorCount == 0
    }

    /// Opens `path` with a libtiff mode string ("r", "w", "w8", "wb", ...). Returns nil and the captured libtiff
    /// message when libtiff refuses.
    static func open(_ path: String, mode: String) -> Result<TIFFHandle, OpenFailure> {
        silenceGlobalHandlersOnce
        let messages = UnsafeMutablePointer<viroscope_tiff_messages>.allocate(capacity: 1)
        viroscope_tiff_messages_reset(messages)
        guard let tif = viroscope_tiff_open(path, mode, messages) else {
            let text = String(cString: viroscope_tiff_messages_error(messages))
            messages.deallocate()
            return .failure(OpenFailure(message: text.isEmpty ? "libtiff could not open the file" : text))
        }
        return .success(TIFFHandle(tif: tif, path: path, messages: messages))
    }

    /// Opens an already open descriptor for reading; on success libtiff owns `fd`, on failure the caller does.
    static func open(fileDescriptor fd: Int32, path: String, maximumAllocation: Int) -> Result<TIFFHandle, OpenFailure> {
        silenceGlobalHandlersOnce
        let messages = UnsafeMutablePointer<viroscope_tiff_messages>.allocate(capacity: 1)
        viroscope_tiff_messages_reset(messages)
        guard let tif = viroscope_tiff_fdopen(fd, path, "r", messages, Int64(maximumAllocation)) else {
            let text = String(cString: viroscope_tiff_messages_error(messages))
            messages.deallocate()
            return .failure(OpenFailure(message: text.isEmpty ? "libtiff could not open the file" : text))
        }
        return .success(TIFFHandle(tif: tif, path: path, messages: messages))
    }

    struct OpenFailure: Error { let message: String }

    /// Number of errors libtiff has reported on this handle so far.
    var errorCount: Int { Int(messages.pointee.error_count) }

    /// Forgets errors already handled, so the next check sees only new ones.
    func clearErrors() {
        messages.pointee.error_count = 0
        messages.pointee.error.0 = 0
    }

    /// The most recent libtiff error text, or a fallback when libtiff failed silently.
    var lastError: String {
        let text = String(cString: viroscope_tiff_messages_error(messages))
        return text.isEmpty ? "libtiff reported a failure without a message" : text
    }

    /// Sends accumulated libtiff warnings to the logger and forgets them.
    func flushWarnings(to logger: Logger) {
        guard messages.pointee.warning_count > 0 else { return }
        let text = String(cString: viroscope_tiff_messages_warnings(messages))
        logger.notice("libtiff warnings", metadata: ["file": "\(path)", "count": "\(messages.pointee.warning_count)",
                                                    "warnings": "\(text)"])
        messages.pointee.warning_count = 0
        messages.pointee.warnings.0 = 0
    }
}

/// libtiff's process-wide handlers print to stderr; every handle here has its own, so the global ones are muted
/// once, lazily and thread-safely (a Swift global initialiser runs exactly once).
private let silenceGlobalHandlersOnce: Void = viroscope_tiff_silence_global_handlers()

/// A logger that drops everything: the default for library calls whose caller did not pass one.
let quietLogger = Logger(label: "viroscope.imaging", factory: { _ in SwiftLogNoOpLogHandler() })
