import Foundation
import Testing
@testable import Imaging

@Suite struct ImageAndOverlayTests {
    @Test func statisticsIgnoreNonFiniteValues() {
        let image = Image(width: 2, height: 2, pixels: [1, .nan, 5, .infinity])
        let statistics = image.statistics
        #expect(statistics.minimum == 1 && statistics.maximum == 5 && statistics.mean == 3)
        #expect(statistics.finiteCount == 2)
        #expect(image[0, 1] == 5)
    }

    @Test func nonFinitePixelsDoNotBreakSegmentation() throws {
        var image = TestPlateImage.render(width: 96, height: 96,
                                          nuclei: [Ellipse(cx: 48, cy: 48, a: 10, b: 9, angle: 0, brightness: 9_000)],
                                          seed: 8)
        image[3, 3] = .nan
        image[90, 5] = .infinity
        #expect(try Segmenter().segment(image).count == 1)
    }

    @Test func overlayOutlinesEveryNucleus() throws {
        let nuclei = [Ellipse(cx: 30, cy: 30, a: 9, b: 9, angle: 0, brightness: 9_000),
                      Ellipse(cx: 70, cy: 60, a: 12, b: 8, angle: 0.5, brightness: 12_000)]
        let image = TestPlateImage.render(width: 100, height: 100, nuclei: nuclei, seed: 6)
        let segmentation = try Segmenter().segment(image)
        let rgb = OverlayRenderer.render(image: image, segmentation: segmentation)
        #expect(rgb.count == 100 * 100 * 3)
        for nucleus in segmentation.nuclei {
            // Some pixel of the nucleus's bounding box is coloured (not grey).
            let box = nucleus.boundingBox
            let coloured = (box.y..<(box.y + box.height)).contains { y in
                (box.x..<(box.x + box.width)).contains { x in
                    let i = 3 * (y * 100 + x)
                    return rgb[i] != rgb[i + 1] || rgb[i + 1] != rgb[i + 2]
                }
            }
            #expect(coloured)
        }
        let directory = try TestTIFF.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("overlay.tif").path
        try TIFFWriter.writeRGB8(rgb, width: 100, height: 100, to: path)
        let info = try TIFFReader.info(path: path)
        #expect(info.samplesPerPixel == 3 && info.bitsPerSample == 8)
        let green = try TIFFReader.read(path: path, sample: 1)
        #expect(green.pixels == stride(from: 1, to: rgb.count, by: 3).map { Float(rgb[$0]) })
    }
}
