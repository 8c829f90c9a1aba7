import Foundation

/// Reader and writer for the safetensors format (an 8-byte little-endian header length, a JSON header mapping
/// tensor names to `dtype`, `shape` and `data_offsets` into the byte buffer that follows, and an optional
/// `__metadata__` string map). Only `F32` is supported, which is what the classifier needs; anything else is
/// reported with the tensor's name rather than misread.
public enum SafeTensors {
    /// Parses `bytes`; `source` (a file path, or a description such as "model 3 in the database") names the input in errors.
    public static func decode(_ bytes: [UInt8], source: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        func fail(_ reason: String) -> SafeTensorsError { SafeTensorsError(source: source, reason: reason) }
        guard bytes.count >= 8 else { throw fail("file is \(bytes.count) bytes, shorter than the 8-byte header length") }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw fail("header length \(headerLength) runs past the end of the file (\(bytes.count) bytes): truncated or not safetensors")
        }
        let headerEnd = 8 + Int(headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd]))
        } catch {
            throw fail("header is not valid JSON")
        }
        guard let header = json as? [String: Any] else { throw fail("header is not a JSON object") }
        let dataLength = bytes.count - headerEnd
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, entry) in header {
            if name == "__metadata__" {
                guard let map = entry as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (k, v) in map {
                    guard let s = v as? String else { throw fail("__metadata__ value for '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let info = entry as? [String: Any] else { throw fail("entry for tensor '\(name)' is not an object") }
            guard let dtype = info["dtype"] as? String else { throw fail("tensor '\(name)' has no dtype") }
            // PyTorch saves a batch-norm step counter as an integer tensor; it plays no part in inference.
            if name.hasSuffix(ignoredSuffix), ["I64", "I32", "U8"].contains(dtype) { continue }
            guard dtype == "F32" else { throw fail("tensor '\(name)' has dtype \(dtype); only F32 is supported") }
            guard let shapeAny = info["shape"] as? [Any], let shape = intArray(shapeAny), shape.allSatisfy({ $0 >= 0 })
            else { throw fail("tensor '\(name)' has no valid shape") }
            guard let offsAny = info["data_offsets"] as? [Any], let offs = intArray(offsAny), offs.count == 2 else {
                throw fail("tensor '\(name)' has no valid data_offsets")
            }
            let (begin, end) = (offs[0], offs[1])
            guard begin >= 0, begin <= end, end <= dataLength else {
                throw fail("tensor '\(name)' data_offsets [\(begin), \(end)] are outside the \(dataLength)-byte data section")
            }
            // A crafted shape such as [2^40, 2^40] overflows Int: multiply with overflow checks, never trap.
            var elements = 1
            for dimension in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw fail("tensor '\(name)' of shape \(shape) has too many elements") }
                elements = product
            }
            let (byteCount, overflow) = elements.multipliedReportingOverflow(by: 4)
            guard !overflow, byteCount == end - begin else {
                throw fail("tensor '\(name)' of shape \(shape) needs \(overflow ? "more than \(Int.max)" : "\(byteCount)") "
                           + "bytes but data_offsets span \(end - begin)")
            }
            var values = [Float](repeating: 0, count: elements)
            values.withUnsafeMutableBytes { dst in
                bytes.withUnsafeBytes { src in
                    dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(headerEnd + begin)..<(headerEnd + end)]))
                }
            }
            if UInt32(littleEndian: 1) != 1 {
                values = values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
            }
            // Zero-sized tensors are legal in safetensors but useless to a network; keep their shape honest.
            tensors[name] = elements == 0 ? Tensor(zerosUnchecked: shape) : Tensor(shape, values)
        }
        return (tensors, metadata)
    }

    /// Tensors with this suffix are bookkeeping (PyTorch's `bn.num_batches_tracked`) and are skipped on load.
    public static let ignoredSuffix = ".num_batches_tracked"

    /// Serialises tensors in name order with contiguous offsets and a header padded to 8 bytes, so equal
    /// tensors always give equal bytes (the model hash depends on it).
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) -> [UInt8] {
        let names = tensors.keys.sorted()
        var entries: [String] = []
        var offset = 0
        if !metadata.isEmpty {
            let items = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(items.joined(separator: ","))}")
        }
        for name in names {
            let t = tensors[name]!
            let size = t.count * 4
            let shape = t.shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + size)]}")
            offset += size
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        let n = UInt64(header.count)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(i)))) }
        out.append(contentsOf: header)
        for name in names {
            for v in tensors[name]!.values {
                let bits = v.bitPattern.littleEndian
                out.append(UInt8(truncatingIfNeeded: bits)); out.append(UInt8(truncatingIfNeeded: bits >> 8))
                out.append(UInt8(truncatingIfNeeded: bits >> 16)); out.append(UInt8(truncatingIfNeeded: bits >> 24))
            }
        }
        return out
    }

    private static func intArray(_ a: [Any]) -> [Int]? {
        var out: [Int] = []
        for x in a {
            guard let n = x as? NSNumber else { return nil }
            let d = n.doubleValue
            guard d == d.rounded(), d >= 0, d < 1e15 else { return nil }
            out.append(n.intValue)
        }
        return out
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

/// A safetensors file that could not be read, naming the file and what is wrong with it.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    public let source: String
    public let reason: String
    public var description: String { "\(source): \(reason)" }
}

extension Tensor {
    init(zerosUnchecked shape: [Int]) {
        self.shape = shape
        self.values = []
    }
}
