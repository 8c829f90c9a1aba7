#if canImport(Glibc)
import Glibc
#endif
import CTIFF
import Foundation
@testable import Imaging

/// A layout the tests write with libtiff directly (not through the code under test) and read back.
struct TestLayout: CustomStringConvertible, Sendable {
    var bits = 16
    var float = false
    var signed = false
    var samples = 1
    var separate = false
    var tiled = false
    var compression = UInt16(COMPRESSION_NONE)
    var predictor: UInt16 = 1
    /// libtiff mode: "w" classic little-endian, "wb" big-endian, "w8" BigTIFF, "wb8" both.
    var mode = "wl"
    var pages = 1
    var width = 37
    var height = 29

    var description: String {
        "\(bits)\(float ? "f" : signed ? "i" : "u") spp\(samples)\(separate ? "sep" : "") \(tiled ? "tiles" : "strips") "
            + "c\(compression) p\(predictor) \(mode) pages\(pages)"
    }

    /// The value written at pixel `i` of `sample` on `page`: distinct, spread over the range of the type.
    func value(page: Int, sample: Int, index i: Int) -> Double {
        let seed = Double((i * 7919 + page * 104_729 + sample * 1299) % 65_521)
        if float { return (seed - 30_000) / 7.0 }
        switch bits {
        case 8: return Double((i * 31 + page * 17 + sample * 5) % 256)
        case 16: return Double((i * 2_654 + page * 977 + sample * 331) % 65_536)
        default: return Double((UInt64(i) * 2_654_435 + UInt64(page) * 97 + UInt64(sample) * 3) % 16_777_216)
        }
    }

    func expected(page: Int, sample: Int) -> [Float] {
        (0..<(width * height)).map { Float(value(page: page, sample: sample, index: $0)) }
    }
}

enum TestTIFF {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("imaging-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    struct WriteFailed: Error, CustomStringConvertible { let description: String }

    /// Writes every page of `layout` with libtiff's own API.
    static func write(_ layout: TestLayout, to path: String) throws {
        guard let tif = TIFFOpen(path, layout.mode) else { throw WriteFailed(description: "TIFFOpen \(path)") }
        defer { TIFFClose(tif) }
        let bytesPerSample = layout.bits / 8
        for page in 0..<layout.pages {
            var ok = viroscope_tiff_set_uint32(tif, UInt32(TIFFTAG_IMAGEWIDTH), UInt32(layout.width)) == 1
            ok = ok && viroscope_tiff_set_uint32(tif, UInt32(TIFFTAG_IMAGELENGTH), UInt32(layout.height)) == 1
            ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_BITSPERSAMPLE), UInt16(layout.bits)) == 1
            ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_SAMPLESPERPIXEL), UInt16(layout.samples)) == 1
            let format = layout.float ? SAMPLEFORMAT_IEEEFP : layout.signed ? SAMPLEFORMAT_INT : SAMPLEFORMAT_UINT
            ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_SAMPLEFORMAT), UInt16(format)) == 1
            let photometric = layout.samples == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK
            ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_PHOTOMETRIC), UInt16(photometric)) == 1
            let planar = layout.separate ? PLANARCONFIG_SEPARATE : PLANARCONFIG_CONTIG
            ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_PLANARCONFIG), UInt16(planar)) == 1
            ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_COMPRESSION), layout.compression) == 1
            if layout.predictor != 1 {
                ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_PREDICTOR), layout.predictor) == 1
            }
            if layout.pages > 1 {
                ok = ok && viroscope_tiff_set_uint32(tif, UInt32(TIFFTAG_SUBFILETYPE), UInt32(FILETYPE_PAGE)) == 1
            }
            if layout.tiled {
                ok = ok && viroscope_tiff_set_uint32(tif, UInt32(TIFFTAG_TILEWIDTH), 16) == 1
                ok = ok && viroscope_tiff_set_uint32(tif, UInt32(TIFFTAG_TILELENGTH), 16) == 1
            } else {
                ok = ok && viroscope_tiff_set_uint32(tif, UInt32(TIFFTAG_ROWSPERSTRIP), 5) == 1
            }
            guard ok else { throw WriteFailed(description: "tags for \(layout)") }

            let planes = layout.separate ? layout.samples : 1
            let samplesInPixel = layout.separate ? 1 : layout.samples
            for plane in 0..<planes {
                // Whole plane in host order; libtiff swaps for big-endian files as it writes.
                var bytes = [UInt8](repeating: 0, count: layout.width * layout.height * samplesInPixel * bytesPerSample)
                for i in 0..<(layout.width * layout.height) {
                    for s in 0..<samplesInPixel {
                        let sample = layout.separate ? plane : s
                        let v = layout.value(page: page, sample: sample, index: i)
                        let at = (i * samplesInPixel + s) * bytesPerSample
                        bytes.withUnsafeMutableBytes { raw in
                            switch (bytesPerSample, layout.float) {
                            case (1, _): raw.storeBytes(of: UInt8(v), toByteOffset: at, as: UInt8.self)
                            case (2, _):
                                if layout.signed {
                                    raw.storeBytes(of: Int16(truncatingIfNeeded: Int(v)), toByteOffset: at, as: Int16.self)
                                } else {
                                    raw.storeBytes(of: UInt16(v), toByteOffset: at, as: UInt16.self)
                                }
                            case (4, false): raw.storeBytes(of: UInt32(v), toByteOffset: at, as: UInt32.self)
                            default: raw.storeBytes(of: Float(v), toByteOffset: at, as: Float.self)
                            }
                        }
                    }
                }
                let rowBytes = layout.width * samplesInPixel * bytesPerSample
                if layout.tiled {
                    for y0 in stride(from: 0, to: layout.height, by: 16) {
                        for x0 in stride(from: 0, to: layout.width, by: 16) {
                            var tile = [UInt8](repeating: 0, count: 16 * 16 * samplesInPixel * bytesPerSample)
                            let tileRow = 16 * samplesInPixel * bytesPerSample
                            for r in 0..<min(16, layout.height - y0) {
                                let columns = min(16, layout.width - x0) * samplesInPixel * bytesPerSample
                                let from = (y0 + r) * rowBytes + x0 * samplesInPixel * bytesPerSample
                                tile.replaceSubrange(r * tileRow..<(r * tileRow + columns),
                                                     with: bytes[from..<(from + columns)])
                            }
                            let index = TIFFComputeTile(tif, UInt32(x0), UInt32(y0), 0, UInt16(plane))
                            let written = tile.withUnsafeMutableBytes {
                                TIFFWriteEncodedTile(tif, index, $0.baseAddress, tmsize_t($0.count))
                            }
                            guard written >= 0 else { throw WriteFailed(description: "tile for \(layout)") }
                        }
                    }
                } else {
                    for y0 in stride(from: 0, to: layout.height, by: 5) {
                        let rows = min(5, layout.height - y0)
                        var strip = Array(bytes[(y0 * rowBytes)..<((y0 + rows) * rowBytes)])
                        let index = TIFFComputeStrip(tif, UInt32(y0), UInt16(plane))
                        let written = strip.withUnsafeMutableBytes {
                            TIFFWriteEncodedStrip(tif, index, $0.baseAddress, tmsize_t($0.count))
                        }
                        guard written >= 0 else { throw WriteFailed(description: "strip for \(layout)") }
                    }
                }
            }
            guard TIFFWriteDirectory(tif) == 1 else { throw WriteFailed(description: "directory for \(layout)") }
        }
    }

    /// A hand-made classic little-endian TIFF: one uncompressed strip of 16-bit (or `bits`) samples, IFD first,
    /// so the pixel data is the tail of the file and can be truncated on purpose.
    static func handMade(width: Int, height: Int, bits: UInt16 = 16, dataBytes: Int? = nil) -> [UInt8] {
        let stripBytes = (width * height * Int(bits) + 7) / 8
        let entries: [(UInt16, UInt16, UInt32)] = [  // tag, type (3 short, 4 long), value
            (256, 4, UInt32(width)), (257, 4, UInt32(height)), (258, 3, UInt32(bits)), (259, 3, 1),
            (262, 3, 1), (273, 4, 0), (277, 3, 1), (278, 4, UInt32(height)), (279, 4, UInt32(stripBytes)),
        ]
        let ifdSize = 2 + entries.count * 12 + 4
        let dataOffset = UInt32(8 + ifdSize)
        var out: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0]
        func le16(_ v: UInt16) { out += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func le32(_ v: UInt32) { for k in 0..<4 { out.append(UInt8((v >> (8 * UInt32(k))) & 0xFF)) } }
        le16(UInt16(entries.count))
        for (tag, type, value) in entries {
            le16(tag); le16(type); le32(1)
            let v = tag == 273 ? dataOffset : value
            if type == 3 { le16(UInt16(v)); le16(0) } else { le32(v) }
        }
        le32(0)
        for i in 0..<(dataBytes ?? stripBytes) { out.append(UInt8(i & 0xFF)) }
        return out
    }
}
