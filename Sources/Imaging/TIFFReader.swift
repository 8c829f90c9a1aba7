#if canImport(Glibc)
import Glibc
#endif
import CTIFF
import Logging
import SafeFiles

/// Reads single channels of TIFF pages into `Image`s through libtiff.
///
/// Handles 8/16/32-bit unsigned and 32-bit float samples; strips and tiles; any codec libtiff was built with
/// (none, LZW and Deflate with or without predictor, PackBits, ...); little- and big-endian; classic and BigTIFF;
/// multi-page files (OME-TIFF planes are read as plain pages); one chosen sample of multi-sample pixels,
/// interleaved or planar. Every libtiff call is checked: a damaged file throws `ImagingError` naming the file,
/// never returns partly decoded pixels.
public enum TIFFReader {
    /// Pixel counts above this are refused rather than attempted (a corrupt header can claim 4 billion rows).
    public static let maximumPixelCount = 1 << 30
    /// Largest decoded strip or tile accepted; a damaged header can claim absurd sizes.
    static let maximumBufferBytes = 1 << 31

    /// Pixels a page may have before `read` refuses it without allocating: 2^27 (an 11,585² image, 512 MB as
    /// Float32, several times that while segmenting). A 1 MB deflate file can declare 32768×32768 pixels; at
    /// 4 bytes each that alone is 4 GiB, and an out-of-memory kill takes a worker's whole batch down with it.
    public static let defaultPixelBudget = 1 << 27

    /// Largest single allocation libtiff may make for one file (raw strip data, tag arrays).
    static let maximumLibTIFFAllocation = 512 << 20

    /// Describes one page without decoding its pixels.
    /// - Parameter root: when given, `path` is relative to it and must stay inside it (see `SafeFile`).
    public static func info(path: String, page: Int = 0, under root: String? = nil, logger: Logger? = nil) throws -> TIFFImageInfo {
        let handle = try openForReading(path, under: root)
        defer { handle.flushWarnings(to: logger ?? quietLogger) }
        return try describe(handle, page: page)
    }

    /// Decodes sample `sample` of page `page` into raw intensities.
    /// - Parameters:
    ///   - root: when given, `path` is relative to it, and a path that leaves it (`..`, or a symlink resolving
    ///     outside) is refused.
    ///   - maximumPixels: pages with more pixels are refused before anything is allocated.
    /// - Throws: `ImagingError` for a missing, empty, non-TIFF, damaged or truncated file, a directory, FIFO or
    ///   other non-regular file, an unsupported layout, a page over the pixel budget, or a page or sample that
    ///   does not exist.
    public static func read(path: String, page: Int = 0, sample: Int = 0, under root: String? = nil,
                            maximumPixels: Int = defaultPixelBudget, logger: Logger? = nil) throws -> Image {
        let handle = try openForReading(path, under: root)
        defer { handle.flushWarnings(to: logger ?? quietLogger) }
        let info = try describe(handle, page: page)
        handle.clearErrors()
        guard info.width * info.height <= maximumPixels else {
            throw ImagingError.exceedsPixelBudget(path: path, width: info.width, height: info.height, budget: maximumPixels)
        }
        if let reason = info.unsupportedReason { throw ImagingError.unsupported(path: path, reason: reason) }
        guard sample >= 0, sample < info.samplesPerPixel else {
            throw ImagingError.sampleOutOfRange(path: path, sample: sample, samplesPerPixel: info.samplesPerPixel)
        }
        let compression = UInt16(truncatingIfNeeded: compressionCode(handle))
        guard TIFFIsCODECConfigured(compression) != 0 else {
            throw ImagingError.unsupported(path: path, reason: "compression \(info.compression) is not available")
        }
        // Every pixel is written by the strip or tile loop (or the read throws), so no zero-fill is needed.
        let pixels = try [Float](unsafeUninitializedCapacity: info.width * info.height) { output, initialised in
            if info.tiled {
                try readTiles(handle, info: info, sample: sample, into: output)
            } else {
                try readStrips(handle, info: info, sample: sample, into: output)
            }
            initialised = info.width * info.height
        }
        return Image(width: info.width, height: info.height, pixels: pixels)
    }

    // MARK: - Opening and describing

    /// Opens safely (a regular file, never blocking on a FIFO, contained under `root` when given), checks the
    /// signature, then hands the descriptor to libtiff.
    private static func openForReading(_ path: String, under root: String?) throws -> TIFFHandle {
        let fd: Int32
        do throws(SafeFileError) {
            if let root {
                fd = try SafeFile.openContained(root: root, relativePath: path)
            } else {
                fd = try SafeFile.openRegular(path)
            }
        } catch {
            throw ImagingError.cannotOpen(path: path, reason: error.reason)
        }
        do {
            try checkSignature(fd, path: path)
        } catch {
            close(fd)
            throw error
        }
        switch TIFFHandle.open(fileDescriptor: fd, path: path, maximumAllocation: maximumLibTIFFAllocation) {
        case let .success(handle): return handle
        case let .failure(failure):
            close(fd)
            throw ImagingError.corrupt(path: path, reason: failure.message)
        }
    }

    /// Gives empty and non-TIFF files their own clear errors before libtiff sees them.
    private static func checkSignature(_ fd: Int32, path: String) throws {
        var header = [UInt8](repeating: 0, count: 8)
        var count = 0
        while count < 8 {
            let got = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + count, 8 - count, off_t(count)) }
            if got < 0 {
                if errno == EINTR { continue }
                throw ImagingError.cannotOpen(path: path, reason: "read error: \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            count += got
        }
        if count == 0 { throw ImagingError.emptyFile(path: path) }
        guard count >= 4 else { throw ImagingError.corrupt(path: path, reason: "only \(count) bytes, no TIFF header") }
        let little = header[0] == 0x49 && header[1] == 0x49 && header[3] == 0
        let big = header[0] == 0x4D && header[1] == 0x4D && header[2] == 0
        let version = little ? header[2] : header[3]
        guard (little || big) && (version == 42 || version == 43) else { throw ImagingError.notTIFF(path: path) }
        guard count == 8 else { throw ImagingError.corrupt(path: path, reason: "truncated header (\(count) bytes)") }
    }

    private static func compressionCode(_ handle: TIFFHandle) -> Int {
        var value: UInt16 = 1
        _ = viroscope_tiff_get_defaulted_uint16(handle.tif, UInt32(TIFFTAG_COMPRESSION), &value)
        return Int(value)
    }

    private static func describe(_ handle: TIFFHandle, page: Int) throws -> TIFFImageInfo {
        let path = handle.path
        let pageCount = Int(TIFFNumberOfDirectories(handle.tif))
        guard pageCount > 0 else { throw ImagingError.corrupt(path: path, reason: "no image directory") }
        guard page >= 0, page < pageCount else {
            throw ImagingError.pageOutOfRange(path: path, page: page, pageCount: pageCount)
        }
        if page != 0 || TIFFCurrentDirectory(handle.tif) != 0 {
            guard TIFFSetDirectory(handle.tif, tdir_t(page)) != 0 else {
                throw ImagingError.corrupt(path: path, reason: "cannot read page \(page): \(handle.lastError)")
            }
        }
        let tif = handle.tif
        var width: UInt32 = 0, height: UInt32 = 0
        guard viroscope_tiff_get_uint32(tif, UInt32(TIFFTAG_IMAGEWIDTH), &width) == 1,
              viroscope_tiff_get_uint32(tif, UInt32(TIFFTAG_IMAGELENGTH), &height) == 1 else {
            throw ImagingError.corrupt(path: path, reason: "page \(page) has no image width or length")
        }
        guard width > 0, height > 0 else {
            throw ImagingError.corrupt(path: path, reason: "page \(page) is \(width)×\(height) pixels")
        }
        guard Int(width) * Int(height) <= maximumPixelCount else {
            throw ImagingError.unsupported(path: path, reason: "\(width)×\(height) pixels is too large to load")
        }
        var bits: UInt16 = 1, format: UInt16 = 1, spp: UInt16 = 1, planar: UInt16 = 1, predictor: UInt16 = 1
        var photometric: UInt16 = 1
        _ = viroscope_tiff_get_defaulted_uint16(tif, UInt32(TIFFTAG_BITSPERSAMPLE), &bits)
        _ = viroscope_tiff_get_defaulted_uint16(tif, UInt32(TIFFTAG_SAMPLEFORMAT), &format)
        _ = viroscope_tiff_get_defaulted_uint16(tif, UInt32(TIFFTAG_SAMPLESPERPIXEL), &spp)
        _ = viroscope_tiff_get_defaulted_uint16(tif, UInt32(TIFFTAG_PLANARCONFIG), &planar)
        // Asking an uncompressed page for its predictor makes libtiff report an error: only codecs that have one.
        if [5, 8, 32946, 34925, 50000].contains(compressionCode(handle)) {
            _ = viroscope_tiff_get_defaulted_uint16(tif, UInt32(TIFFTAG_PREDICTOR), &predictor)
        }
        if viroscope_tiff_get_uint16(tif, UInt32(TIFFTAG_PHOTOMETRIC), &photometric) != 1 {
            photometric = spp >= 3 ? 2 : 1
        }
        guard spp >= 1 else { throw ImagingError.corrupt(path: path, reason: "zero samples per pixel") }
        let sampleFormat: TIFFImageInfo.SampleFormat
        switch format {
        case 1: sampleFormat = .unsignedInteger
        case 2: sampleFormat = .signedInteger
        case 3: sampleFormat = .float
        case 5: sampleFormat = .complexInteger
        case 6: sampleFormat = .complexFloat
        default: sampleFormat = .undefined
        }
        return TIFFImageInfo(
            path: path, page: page, pageCount: pageCount, width: Int(width), height: Int(height),
            bitsPerSample: Int(bits), sampleFormat: sampleFormat, samplesPerPixel: Int(spp),
            planarConfiguration: planar == 2 ? .separate : .contiguous,
            compression: TIFFImageInfo.compressionName(compressionCode(handle)), predictor: Int(predictor),
            photometric: Int(photometric), tiled: TIFFIsTiled(tif) != 0, bigTIFF: TIFFIsBigTIFF(tif) != 0,
            byteOrder: TIFFIsBigEndian(tif) != 0 ? .bigEndian : .littleEndian)
    }

    // MARK: - Decoding

    /// Where one sample lives inside a decoded row of `samplesInRow`-sample pixels.
    private struct SampleLayout {
        let bytesPerSample: Int
        let samplesInRow: Int  // samples per pixel in a decoded buffer: spp when interleaved, 1 when planar
        let offset: Int        // index of the wanted sample inside a pixel
        let isFloat: Bool

        init(_ info: TIFFImageInfo, sample: Int) {
            bytesPerSample = info.bitsPerSample / 8
            let separate = info.planarConfiguration == .separate
            samplesInRow = separate ? 1 : info.samplesPerPixel
            offset = separate ? 0 : sample
            isFloat = info.sampleFormat == .float
        }
    }

    private static func readStrips(
        _ handle: TIFFHandle, info: TIFFImageInfo, sample: Int, into output: UnsafeMutableBufferPointer<Float>
    ) throws {
        let tif = handle.tif
        let layout = SampleLayout(info, sample: sample)
        var rowsPerStrip: UInt32 = 0
        _ = viroscope_tiff_get_defaulted_uint32(tif, UInt32(TIFFTAG_ROWSPERSTRIP), &rowsPerStrip)
        let stripRows = max(1, min(Int(rowsPerStrip), info.height))
        let rowBytes = info.width * layout.samplesInRow * layout.bytesPerSample
        guard stripRows * rowBytes <= maximumBufferBytes else {
            throw ImagingError.unsupported(path: handle.path, reason: "strips of \(stripRows * rowBytes) bytes")
        }
        let capacity = max(Int(TIFFStripSize(tif)), stripRows * rowBytes)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        let planeSample = info.planarConfiguration == .separate ? UInt16(sample) : 0
        var row = 0
        while row < info.height {
            let rows = min(stripRows, info.height - row)
            let strip = TIFFComputeStrip(tif, UInt32(row), planeSample)
            let wanted = rows * rowBytes
            let got = TIFFReadEncodedStrip(tif, strip, buffer, tmsize_t(wanted))
            guard got >= 0, handle.errorCount == 0 else {
                throw ImagingError.corrupt(path: handle.path, reason: "strip \(strip): \(handle.lastError)")
            }
            guard Int(got) >= wanted else {
                throw ImagingError.corrupt(path: handle.path,
                                           reason: "strip \(strip) holds \(got) of \(wanted) bytes")
            }
            for r in 0..<rows {
                convertRow(buffer + r * rowBytes, layout: layout, count: info.width,
                           into: output.baseAddress! + (row + r) * info.width)
            }
            row += rows
        }
    }

    private static func readTiles(
        _ handle: TIFFHandle, info: TIFFImageInfo, sample: Int, into output: UnsafeMutableBufferPointer<Float>
    ) throws {
        let tif = handle.tif
        let layout = SampleLayout(info, sample: sample)
        var tileWidth: UInt32 = 0, tileHeight: UInt32 = 0
        guard viroscope_tiff_get_uint32(tif, UInt32(TIFFTAG_TILEWIDTH), &tileWidth) == 1,
              viroscope_tiff_get_uint32(tif, UInt32(TIFFTAG_TILELENGTH), &tileHeight) == 1,
              tileWidth > 0, tileHeight > 0 else {
            throw ImagingError.corrupt(path: handle.path, reason: "tiled page without a valid tile size")
        }
        let tw = Int(tileWidth), th = Int(tileHeight)
        let tileRowBytes = tw * layout.samplesInRow * layout.bytesPerSample
        let wanted = th * tileRowBytes
        guard tw <= 1 << 20, th <= 1 << 20, wanted <= maximumBufferBytes else {
            throw ImagingError.unsupported(path: handle.path, reason: "\(tw)×\(th) tiles of \(wanted) bytes")
        }
        let capacity = max(Int(TIFFTileSize(tif)), wanted)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        let planeSample = info.planarConfiguration == .separate ? UInt16(sample) : 0
        for y0 in stride(from: 0, to: info.height, by: th) {
            for x0 in stride(from: 0, to: info.width, by: tw) {
                let tile = TIFFComputeTile(tif, UInt32(x0), UInt32(y0), 0, planeSample)
                let got = TIFFReadEncodedTile(tif, tile, buffer, tmsize_t(wanted))
                guard got >= 0, handle.errorCount == 0 else {
                    throw ImagingError.corrupt(path: handle.path, reason: "tile \(tile): \(handle.lastError)")
                }
                guard Int(got) >= wanted else {
                    throw ImagingError.corrupt(path: handle.path, reason: "tile \(tile) holds \(got) of \(wanted) bytes")
                }
                let rows = min(th, info.height - y0), columns = min(tw, info.width - x0)
                for r in 0..<rows {
                    convertRow(buffer + r * tileRowBytes, layout: layout, count: columns,
                               into: output.baseAddress! + (y0 + r) * info.width + x0)
                }
            }
        }
    }

    /// Converts `count` pixels of one decoded row (already in host byte order: libtiff swaps) to Float.
    @inline(__always)
    private static func convertRow(
        _ source: UnsafeMutableRawPointer, layout: SampleLayout, count: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        let step = layout.samplesInRow, offset = layout.offset
        switch (layout.bytesPerSample, layout.isFloat) {
        case (1, _):
            let s = source.assumingMemoryBound(to: UInt8.self) + offset
            for i in 0..<count { destination[i] = Float(s[i * step]) }
        case (2, _):
            let s = source.assumingMemoryBound(to: UInt16.self) + offset
            if step == 1 {
                for i in 0..<count { destination[i] = Float(s[i]) }
            } else {
                for i in 0..<count { destination[i] = Float(s[i * step]) }
            }
        case (4, false):
            let s = source.assumingMemoryBound(to: UInt32.self) + offset
            for i in 0..<count { destination[i] = Float(s[i * step]) }
        default:
            let s = source.assumingMemoryBound(to: Float.self) + offset
            for i in 0..<count { destination[i] = s[i * step] }
        }
    }
}
