#if canImport(Glibc)
import Glibc
#endif
import CTIFF

/// Compression schemes the writer can produce; the reader accepts each of them.
public enum TIFFCompression: String, Sendable, CaseIterable, Codable {
    case none, lzw, deflate, packBits

    var libtiffCode: UInt16 {
        switch self {
        case .none: return UInt16(COMPRESSION_NONE)
        case .lzw: return UInt16(COMPRESSION_LZW)
        case .deflate: return UInt16(COMPRESSION_ADOBE_DEFLATE)
        case .packBits: return UInt16(COMPRESSION_PACKBITS)
        }
    }
}

/// Why a TIFF file could not be written; every case names the file.
public struct TIFFWriteError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "cannot write TIFF '\(path)': \(reason)" }
}

/// Writes single-page grey-scale TIFF files through libtiff, as a microscope would.
public enum TIFFWriter {
    /// Writes a 16-bit single-channel image, row-major, `width * height` pixels.
    /// The file is written to a temporary name beside the target and renamed, so a reader never sees half a file.
    public static func writeUInt16(
        _ pixels: [UInt16], width: Int, height: Int, to path: String, compression: TIFFCompression = .none
    ) throws {
        guard width > 0, height > 0, pixels.count == width * height else {
            throw TIFFWriteError(path: path, reason: "\(pixels.count) pixels do not make a \(width)×\(height) image")
        }
        try pixels.withUnsafeBytes { bytes throws in
            try writeStrips(bytes, width: width, height: height, bitsPerSample: 16, samplesPerPixel: 1,
                            photometric: UInt16(PHOTOMETRIC_MINISBLACK), to: path, compression: compression)
        }
    }

    /// Writes an 8-bit RGB image (interleaved `r, g, b` per pixel), for overlays a person looks at.
    public static func writeRGB8(
        _ pixels: [UInt8], width: Int, height: Int, to path: String, compression: TIFFCompression = .deflate
    ) throws {
        guard width > 0, height > 0, pixels.count == width * height * 3 else {
            throw TIFFWriteError(path: path, reason: "\(pixels.count) bytes do not make a \(width)×\(height) RGB image")
        }
        try pixels.withUnsafeBytes { bytes throws in
            try writeStrips(bytes, width: width, height: height, bitsPerSample: 8, samplesPerPixel: 3,
                            photometric: UInt16(PHOTOMETRIC_RGB), to: path, compression: compression)
        }
    }

    private static func writeStrips(
        _ bytes: UnsafeRawBufferPointer, width: Int, height: Int, bitsPerSample: UInt16, samplesPerPixel: UInt16,
        photometric: UInt16, to path: String, compression: TIFFCompression
    ) throws {
        let temporary = path + ".partial"
        let handle: TIFFHandle
        switch TIFFHandle.open(temporary, mode: "w") {
        case let .success(opened): handle = opened
        case let .failure(failure): throw TIFFWriteError(path: path, reason: "cannot create the file: \(failure.message)")
        }
        let tif = handle.tif
        var closed = false
        defer { if !closed { _ = handle.close(); unlink(temporary) } }

        let rowBytes = width * Int(samplesPerPixel) * Int(bitsPerSample / 8)
        let rowsPerStrip = max(1, min(height, 8192 / max(1, rowBytes)))
        var ok = viroscope_tiff_set_uint32(tif, UInt32(TIFFTAG_IMAGEWIDTH), UInt32(width)) == 1
        ok = ok && viroscope_tiff_set_uint32(tif, UInt32(TIFFTAG_IMAGELENGTH), UInt32(height)) == 1
        ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_BITSPERSAMPLE), bitsPerSample) == 1
        ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_SAMPLESPERPIXEL), samplesPerPixel) == 1
        ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_SAMPLEFORMAT), UInt16(SAMPLEFORMAT_UINT)) == 1
        ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_PHOTOMETRIC), photometric) == 1
        ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_PLANARCONFIG), UInt16(PLANARCONFIG_CONTIG)) == 1
        ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_COMPRESSION), compression.libtiffCode) == 1
        ok = ok && viroscope_tiff_set_uint32(tif, UInt32(TIFFTAG_ROWSPERSTRIP), UInt32(rowsPerStrip)) == 1
        if compression == .lzw || compression == .deflate {
            ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_PREDICTOR), UInt16(PREDICTOR_HORIZONTAL)) == 1
        }
        ok = ok && viroscope_tiff_set_string(tif, UInt32(TIFFTAG_SOFTWARE), "viroscope") == 1
        guard ok, let base = bytes.baseAddress else {
            throw TIFFWriteError(path: path, reason: "libtiff refused the image header")
        }
        var strip: UInt32 = 0
        var row = 0
        while row < height {
            let rows = min(rowsPerStrip, height - row)
            let written = TIFFWriteEncodedStrip(tif, strip, UnsafeMutableRawPointer(mutating: base + row * rowBytes),
                                                tmsize_t(rows * rowBytes))
            guard written >= 0 else {
                throw TIFFWriteError(path: path, reason: "libtiff failed writing strip \(strip): \(handle.lastError)")
            }
            strip += 1
            row += rows
        }
        closed = true
        guard handle.close() else {
            unlink(temporary)
            throw TIFFWriteError(path: path, reason: "libtiff failed finishing the file: \(handle.lastError)")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw TIFFWriteError(path: path, reason: "cannot move the finished file into place")
        }
    }
}
