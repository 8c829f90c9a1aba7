/// What a TIFF page holds, as read from its header, before any pixel is decoded.
public struct TIFFImageInfo: Sendable, Equatable, Codable {
    public enum SampleFormat: String, Sendable, Codable {
        case unsignedInteger, signedInteger, float, complexInteger, complexFloat, undefined
    }
    public enum ByteOrder: String, Sendable, Codable { case littleEndian, bigEndian }
    public enum PlanarConfiguration: String, Sendable, Codable { case contiguous, separate }

    public let path: String
    /// Zero-based page (TIFF directory) these values describe.
    public let page: Int
    public let pageCount: Int
    public let width: Int
    public let height: Int
    public let bitsPerSample: Int
    public let sampleFormat: SampleFormat
    public let samplesPerPixel: Int
    public let planarConfiguration: PlanarConfiguration
    /// Human-readable compression scheme ("none", "lzw", "deflate", "packbits", ...).
    public let compression: String
    /// The horizontal (2) or floating-point (3) predictor, or 1 for none.
    public let predictor: Int
    /// TIFF photometric interpretation code (1 = black is zero, 2 = RGB, 3 = palette, ...).
    public let photometric: Int
    public let tiled: Bool
    public let bigTIFF: Bool
    public let byteOrder: ByteOrder

    /// Nil when `TIFFReader.read` can decode this page; otherwise the reason it cannot.
    public var unsupportedReason: String? {
        switch sampleFormat {
        case .unsignedInteger:
            if ![8, 16, 32].contains(bitsPerSample) {
                return "\(bitsPerSample)-bit unsigned samples (8, 16 and 32 are supported)"
            }
        case .float:
            if bitsPerSample != 32 { return "\(bitsPerSample)-bit floating-point samples (32 is supported)" }
        case .signedInteger: return "signed integer samples"
        case .complexInteger, .complexFloat: return "complex samples"
        case .undefined: return "samples of undefined format"
        }
        switch photometric {
        case 3: return "palette (colour-mapped) image"
        case 4: return "transparency mask"
        case 6: return "YCbCr colour"
        case 8, 9, 10: return "CIE Lab colour"
        case 32844, 32845: return "LogLuv colour"
        default: return nil
        }
    }

    static func compressionName(_ code: Int) -> String {
        switch code {
        case 1: return "none"
        case 2: return "ccitt-rle"
        case 3: return "ccitt-g3"
        case 4: return "ccitt-g4"
        case 5: return "lzw"
        case 6: return "ojpeg"
        case 7: return "jpeg"
        case 8, 32946: return "deflate"
        case 32773: return "packbits"
        case 34925: return "lzma"
        case 34887: return "lerc"
        case 50000: return "zstd"
        case 50001: return "webp"
        default: return "code \(code)"
        }
    }
}
