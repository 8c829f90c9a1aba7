import Foundation
import Imaging
import NeuralNet
import Screening
import Telemetry

/// The parsers that take hostile bytes, each as a function from one input to nothing: it must return (an
/// error is fine) and never trap, hang or allocate without bound.
enum FuzzTargets {
    static let all: [String: @Sendable ([UInt8]) -> Void] = [
        "tiff": tiff,
        "platemap": plateMap,
        "manifest": manifest,
        "safetensors": safeTensors,
        "model": model,
        "http": http,
    ]

    /// A small pixel budget keeps each run fast; the reader must refuse larger pages before allocating.
    static func tiff(_ bytes: [UInt8]) {
        let path = scratchFile
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { fatalError("cannot write \(path)") }
        _ = try? TIFFReader.info(path: path)
        _ = try? TIFFReader.read(path: path, maximumPixels: 1 << 22)
        _ = try? TIFFReader.read(path: path, page: 1, sample: 1, maximumPixels: 1 << 22)
    }

    static func plateMap(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        for format in [PlateFormat.wells96, .wells1536] {
            _ = try? PlateMap.parse(text, source: "fuzz.csv", format: format)
        }
    }

    static func manifest(_ bytes: [UInt8]) {
        _ = try? ImageManifest.parse(String(decoding: bytes, as: UTF8.self), file: "manifest.csv")
    }

    static func safeTensors(_ bytes: [UInt8]) {
        _ = try? SafeTensors.decode(bytes, source: "fuzz.safetensors")
    }

    /// Architecture JSON, a NUL byte, then safetensors weights: the whole model loader.
    static func model(_ bytes: [UInt8]) {
        let split = bytes.firstIndex(of: 0) ?? bytes.endIndex
        let weights = split < bytes.endIndex ? Array(bytes[(split + 1)...]) : []
        _ = try? Model(architectureJSON: Array(bytes[..<split]), weights: weights, source: "fuzz")
    }

    static func http(_ bytes: [UInt8]) {
        let chunk = bytes.first.map { Int($0 % 16) + 1 } ?? 1
        _ = HTTPRequestHeadFuzzing.check(bytes, chunk: chunk)
    }

    /// One file per process, in memory when /dev/shm exists.
    static let scratchFile: String = {
        let directory = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return "\(directory)/viroscope-fuzz-\(getpid()).tif"
    }()
}
