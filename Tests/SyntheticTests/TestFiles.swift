import Foundation
import Imaging

/// A fresh directory under the system's temporary folder, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/viroscope-synthetic-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func lines(_ relative: String) throws -> [String] {
        try String(contentsOfFile: path + "/" + relative, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
    }

    /// Every regular file under `root`, as paths relative to it.
    func files(under root: String) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var files: [String] = []
        while let item = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + item, isDirectory: &isDirectory),
               !isDirectory.boolValue {
                files.append(item)
            }
        }
        return files.sorted()
    }
}

enum TIFFCompressionChoice: String {
    case none, deflate
    var value: TIFFCompression { self == .none ? .none : .deflate }
}

/// The first IFD's basic tags, read by hand so the test does not trust the code that wrote the file.
struct TIFFHeader {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    var width = 0
    var height = 0
    var bitsPerSample = 0
    var compression = 0

    init(path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count >= 8 else { throw Failure(description: "\(path): too short for a TIFF") }
        let little = bytes[0] == 0x49 && bytes[1] == 0x49
        guard little || (bytes[0] == 0x4D && bytes[1] == 0x4D) else {
            throw Failure(description: "\(path): no TIFF byte-order mark")
        }
        func u16(_ at: Int) -> Int {
            little ? Int(bytes[at]) | Int(bytes[at + 1]) << 8 : Int(bytes[at]) << 8 | Int(bytes[at + 1])
        }
        func u32(_ at: Int) -> Int {
            little ? u16(at) | u16(at + 2) << 16 : u16(at) << 16 | u16(at + 2)
        }
        guard u16(2) == 42 else { throw Failure(description: "\(path): not a classic TIFF") }
        let ifd = u32(4)
        guard ifd + 2 <= bytes.count else { throw Failure(description: "\(path): IFD outside the file") }
        for entry in 0..<u16(ifd) {
            let at = ifd + 2 + 12 * entry
            guard at + 12 <= bytes.count else { throw Failure(description: "\(path): truncated IFD") }
            let value = u16(at + 2) == 3 ? u16(at + 8) : u32(at + 8)
            switch u16(at) {
            case 256: width = value
            case 257: height = value
            case 258: bitsPerSample = value
            case 259: compression = value
            default: break
            }
        }
    }
}
