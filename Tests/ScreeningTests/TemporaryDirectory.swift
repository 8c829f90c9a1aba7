import Foundation
import Screening

/// A fresh directory under the system temporary folder, removed when the test is done with it.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("viroscope-screening-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func write(_ relativePath: String, _ contents: String = "") throws -> URL {
        let file = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: file, atomically: true, encoding: .utf8)
        return file
    }
}

struct NotAWell: Error { let text: String }

/// A well from test text; throws (failing the test) instead of crashing on a typo.
func well(_ text: String) throws -> WellPosition {
    guard let position = WellPosition(text) else { throw NotAWell(text: text) }
    return position
}
