/// Why an image could not be read or processed. Every file-related case names the file, so a batch log line
/// tells the operator which image to look at.
public enum ImagingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file does not exist or cannot be opened for reading.
    case cannotOpen(path: String, reason: String)
    /// The file has zero bytes (an interrupted copy, typically).
    case emptyFile(path: String)
    /// The file does not start with a TIFF or BigTIFF signature.
    case notTIFF(path: String)
    /// The file claims to be a TIFF but its structure or pixel data is damaged or truncated.
    case corrupt(path: String, reason: String)
    /// A valid TIFF whose pixel layout this reader deliberately does not interpret (e.g. 12-bit, signed, palette).
    case unsupported(path: String, reason: String)
    /// The requested page (directory) does not exist.
    case pageOutOfRange(path: String, page: Int, pageCount: Int)
    /// The requested sample (channel within a pixel) does not exist.
    case sampleOutOfRange(path: String, sample: Int, samplesPerPixel: Int)
    /// Two images that must share a geometry do not (e.g. a second channel of another size).
    case sizeMismatch(expected: String, actual: String)
    /// A setting or argument that cannot work (e.g. a negative sigma).
    case invalidArgument(String)
    /// The page has more pixels than the reader may allocate (a decompression bomb, or a budget set too low).
    case exceedsPixelBudget(path: String, width: Int, height: Int, budget: Int)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): return "cannot open '\(path)': \(reason)"
        case let .emptyFile(path): return "'\(path)' is empty (0 bytes)"
        case let .notTIFF(path): return "'\(path)' is not a TIFF file (no TIFF signature)"
        case let .corrupt(path, reason): return "'\(path)' is a damaged or truncated TIFF: \(reason)"
        case let .unsupported(path, reason): return "'\(path)' has an unsupported TIFF layout: \(reason)"
        case let .pageOutOfRange(path, page, count):
            return "'\(path)' has \(count) page\(count == 1 ? "" : "s"); page \(page) does not exist"
        case let .sampleOutOfRange(path, sample, spp):
            return "'\(path)' has \(spp) sample\(spp == 1 ? "" : "s") per pixel; sample \(sample) does not exist"
        case let .sizeMismatch(expected, actual): return "image size mismatch: expected \(expected), got \(actual)"
        case let .invalidArgument(message): return "invalid argument: \(message)"
        case let .exceedsPixelBudget(path, width, height, budget):
            return "'\(path)' is \(width)×\(height) = \(width * height) pixels, more than the pixel budget of \(budget) "
                + "(refused before decoding; raise it with --max-pixels if the image is genuine)"
        }
    }
}
