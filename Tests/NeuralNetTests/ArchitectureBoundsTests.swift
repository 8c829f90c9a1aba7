import Foundation
import Testing
@testable import NeuralNet

/// A crafted architecture.json is an error, never an overflow trap or a petabyte allocation (found by
/// `ops/fuzz model`: a dense layer over a 4e9×4e9 input trapped in `reduce(1, *)`).
@Suite struct ArchitectureBoundsTests {
    static func architecture(height: Int, width: Int, layers: String) -> [UInt8] {
        Array("""
        {"format_version":1,"class_names":["uninfected","infected"],
         "input":{"channels":1,"height":\(height),"width":\(width),"normalisation":"percentile-1-99"},
         "layers":\(layers)}
        """.utf8)
    }

    @Test func hugeShapesAreRefusedNotTrapped() {
        let cases: [[UInt8]] = [
            Self.architecture(height: 4_000_000_000, width: 4_000_000_000,
                              layers: #"[{"type":"dense","name":"fc","units":2},{"type":"softmax"}]"#),
            Self.architecture(height: 16, width: 16,
                              layers: #"[{"type":"dense","name":"fc","units":4611686018427387904},{"type":"softmax"}]"#),
            Self.architecture(height: 16, width: 16,
                              layers: #"[{"type":"conv2d","name":"c","filters":16384,"kernel":1,"padding":16384},{"type":"global_avg_pool"},{"type":"dense","name":"fc","units":2},{"type":"softmax"}]"#),
        ]
        for json in cases {
            #expect(throws: (any Error).self) { try Model(architectureJSON: json, weights: [], source: "crafted") }
        }
    }

    @Test func theShippedArchitectureStillResolves() throws {
        let json = try Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../models/default/architecture.json").standardizedFileURL)
        let architecture = try JSONDecoder().decode(Architecture.self, from: json)
        #expect(try !architecture.resolve(source: "default").isEmpty)
    }
}
