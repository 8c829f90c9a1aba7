import Foundation
import Testing
@testable import NeuralNet

/// A crafted safetensors header must be an error, never a trap (issue 13 item 9: found by review and fuzzing).
@Suite struct SafeTensorsOverflowTests {
    static func file(header: String, data: [UInt8] = [0, 0, 0, 0]) -> [UInt8] {
        let json = Array(header.utf8)
        let length = UInt64(json.count)
        return (0..<8).map { UInt8((length >> (8 * UInt64($0))) & 0xFF) } + json + data
    }

    @Test func aShapeWhoseElementCountOverflowsIsRefused() {
        for shape in ["[1099511627776, 1099511627776]", "[999999999999999, 999999999999999]",
                      "[4611686018427387904]", "[2305843009213693952, 1]", "[3037000500, 3037000500]"] {
            let bytes = Self.file(header: "{\"w\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[0,4]}}")
            #expect(throws: SafeTensorsError.self, "\(shape)") { try SafeTensors.decode(bytes, source: "crafted") }
        }
    }

    @Test func aSmallValidTensorStillLoads() throws {
        let bytes = Self.file(header: "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", data: [0, 0, 128, 63])
        #expect(try SafeTensors.decode(bytes, source: "ok").tensors["w"]?.values == [1])
    }
}
