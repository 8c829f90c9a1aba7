import Foundation
import CTIFF
import Testing
@testable import Imaging

/// Issue 13 item 6: extreme pixels and non-finite values must not silently make segmentation find nothing.
@Suite struct RobustIntensityTests {
    private func centroids(_ s: Segmentation) -> [(Double, Double)] { s.nuclei.map { ($0.centroidX, $0.centroidY) } }

    @Test(arguments: [Float(4_000_000_000), 3.0e38])
    func oneHotPixelDoesNotHideTheNuclei(hot: Float) throws {
        let plate = TestPlateImage.scattered(width: 300, height: 300, count: 25, seed: 17)
        var image = plate.image
        image[150, 3] = hot  // a uint32 or float32 camera's hot pixel, away from the nuclei
        let result = try Segmenter().segment(image)
        let f1 = detectionF1(found: centroids(result), truth: plate.nuclei.map { ($0.cx, $0.cy) })
        #expect(f1 >= 0.95, "F1 \(f1) with one pixel at \(hot): \(result.count) of \(plate.nuclei.count)")
        #expect(result.warnings.isEmpty)
    }

    @Test func oneDeadPixelDoesNotHideTheNuclei() throws {
        let plate = TestPlateImage.scattered(width: 300, height: 300, count: 25, seed: 18)
        var image = plate.image
        image[4, 150] = -3.0e9
        let result = try Segmenter().segment(image)
        let f1 = detectionF1(found: centroids(result), truth: plate.nuclei.map { ($0.cx, $0.cy) })
        #expect(f1 >= 0.95, "F1 \(f1)")
    }

    @Test func nanPixelsAreMaskedAndReported() throws {
        let plate = TestPlateImage.scattered(width: 300, height: 300, count: 25, seed: 19)
        var image = plate.image
        for y in 0..<20 { for x in 0..<300 { image[x, y] = .nan } }
        image[200, 200] = .infinity
        let result = try Segmenter().segment(image)
        #expect(result.count >= plate.nuclei.filter { $0.cy > 40 }.count - 1)
        #expect(result.warnings.contains { $0.contains("6001 of 90000 pixels are NaN or infinite") }, "\(result.warnings)")

        let nothing = try Segmenter().segment(Image(width: 32, height: 32, repeating: .nan))
        #expect(nothing.count == 0)
        #expect(nothing.warnings.contains { $0.contains("every pixel") })
    }

    @Test func aFieldWithoutDynamicRangeIsReported() throws {
        var pixels = [Float](repeating: 1_000, count: 64 * 64)
        for i in stride(from: 0, to: pixels.count, by: 7) { pixels[i] = 1_001 }
        let result = try Segmenter().segment(Image(width: 64, height: 64, pixels: pixels))
        #expect(result.count == 0)
        #expect(result.warnings.contains { $0.contains("no dynamic range") }, "\(result.warnings)")
        // An ordinary field carries no warning.
        #expect(try Segmenter().segment(TestPlateImage.scattered(width: 200, height: 200, count: 10).image)
            .warnings.isEmpty)
    }
}

/// The same cases through the TIFF reader, as a user meets them: a uint32 file with one hot pixel and a float32
/// file with NaN rows.
@Suite struct RobustIntensityFileTests {
    /// Writes `pixels` as one uncompressed strip of 32-bit samples (unsigned or IEEE float).
    private static func write32(_ pixels: [Float], width: Int, height: Int, float: Bool, to path: String) throws {
        guard let tif = TIFFOpen(path, "w") else { throw TestTIFF.WriteFailed(description: "TIFFOpen \(path)") }
        defer { TIFFClose(tif) }
        var ok = viroscope_tiff_set_uint32(tif, UInt32(TIFFTAG_IMAGEWIDTH), UInt32(width)) == 1
        ok = ok && viroscope_tiff_set_uint32(tif, UInt32(TIFFTAG_IMAGELENGTH), UInt32(height)) == 1
        ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_BITSPERSAMPLE), 32) == 1
        ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_SAMPLESPERPIXEL), 1) == 1
        let format = float ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT
        ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_SAMPLEFORMAT), UInt16(format)) == 1
        ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_PHOTOMETRIC), UInt16(PHOTOMETRIC_MINISBLACK)) == 1
        ok = ok && viroscope_tiff_set_uint16(tif, UInt32(TIFFTAG_COMPRESSION), UInt16(COMPRESSION_NONE)) == 1
        ok = ok && viroscope_tiff_set_uint32(tif, UInt32(TIFFTAG_ROWSPERSTRIP), UInt32(height)) == 1
        guard ok else { throw TestTIFF.WriteFailed(description: "tags for \(path)") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(pixels.count * 4)
        for v in pixels {
            let bits = float ? v.bitPattern : UInt32(clamping: Int64(v))
            withUnsafeBytes(of: bits.littleEndian) { bytes.append(contentsOf: $0) }
        }
        let written = bytes.withUnsafeMutableBytes { TIFFWriteEncodedStrip(tif, 0, $0.baseAddress, tmsize_t($0.count)) }
        guard written >= 0, TIFFWriteDirectory(tif) == 1 else { throw TestTIFF.WriteFailed(description: path) }
    }

    @Test func uint32FileWithOneHotPixelStillHasItsNuclei() throws {
        let plate = TestPlateImage.scattered(width: 256, height: 256, count: 20, seed: 27)
        var pixels = plate.image.pixels
        pixels[128 * 256 + 2] = 4_000_000_000
        let directory = try TestTIFF.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("hot-uint32.tif").path
        try Self.write32(pixels, width: 256, height: 256, float: false, to: path)
        let image = try TIFFReader.read(path: path)
        #expect(image.maximum == 4_000_000_000)
        let result = try Segmenter().segment(image)
        let f1 = detectionF1(found: result.nuclei.map { ($0.centroidX, $0.centroidY) },
                             truth: plate.nuclei.map { ($0.cx, $0.cy) })
        #expect(f1 >= 0.95, "F1 \(f1): \(result.count) of \(plate.nuclei.count)")
    }

    @Test func float32FileWithNaNRowsIsSegmentedAndWarned() throws {
        let plate = TestPlateImage.scattered(width: 256, height: 256, count: 20, seed: 28)
        var pixels = plate.image.pixels.map { $0 / 65_535 }  // a normalised float image
        for i in 0..<(8 * 256) { pixels[i] = .nan }
        let directory = try TestTIFF.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("nan-float32.tif").path
        try Self.write32(pixels, width: 256, height: 256, float: true, to: path)
        let result = try Segmenter().segment(try TIFFReader.read(path: path))
        #expect(result.count >= plate.nuclei.filter { $0.cy - $0.a > 10 }.count - 1, "\(result.count) nuclei")
        #expect(result.warnings.contains { $0.contains("2048 of 65536 pixels are NaN") }, "\(result.warnings)")
    }
}
