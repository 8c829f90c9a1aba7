#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import Screening

/// Hostile or careless plate maps and manifests: bounded sizes, encodings named, directories and FIFOs refused,
/// index entries contained, and no file content quoted back.
@Suite struct BoundedInputTests {
    let header = "well,treatment,concentration,unit,virus,moi,control\n"

    @Test func aHugeCellIsRefusedAtReadTimeNamingTheRow() {
        let cell = String(repeating: "x", count: CSVReader.maximumCellLength + 1)
        let text = header + "A01,\(cell),1,uM,HSV-1,1,\n"
        let started = ContinuousClock.now
        #expect { try PlateMap.parse(text, source: "map.csv", format: .wells96) } throws: { error in
            guard case let .csvSyntax(file, row, message) = error as? ScreeningError else { return false }
            return file == "map.csv" && row == 2 && message.contains("longer than \(CSVReader.maximumCellLength)")
        }
        // A cell at the limit is fine.
        let fits = String(repeating: "y", count: CSVReader.maximumCellLength)
        #expect((try? PlateMap.parse(header + "A01,\(fits),1,uM,HSV-1,1,\n", source: "m", format: .wells96)) != nil)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func aRowOfTooManyCellsOrCharactersIsRefused() {
        let wide = header + "A01" + String(repeating: ",", count: CSVReader.maximumFields + 5) + "\n"
        #expect { try PlateMap.parse(wide, source: "m.csv", format: .wells96) } throws: { error in
            "\(error)".contains("more than \(CSVReader.maximumFields) cells")
        }
        let cell = String(repeating: "z", count: 9_000)
        let long = header + "A01" + String(repeating: ",\(cell)", count: 30) + "\n"
        #expect { try PlateMap.parse(long, source: "m.csv", format: .wells96) } throws: { error in
            "\(error)".contains("longer than \(CSVReader.maximumRowLength)")
        }
    }

    @Test func nonUTF8PlateMapsSaySo() throws {
        let directory = try TemporaryDirectory()
        let utf16 = directory.url.appendingPathComponent("utf16.csv")
        try Data([0xFF, 0xFE] + Array((header + "A01,x,1,uM,v,1,\n").utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
            .write(to: utf16)
        #expect { try PlateMapSet.load(utf16, format: .wells96) } throws: { error in
            "\(error)".contains("not UTF-8") && "\(error)".contains("UTF-16")
        }
        let latin1 = directory.url.appendingPathComponent("latin1.csv")
        try Data(Array((header + "A01,").utf8) + [0x41, 0xE9, 0x72] + Array(",1,uM,v,1,\n".utf8)).write(to: latin1)
        #expect { try PlateMapSet.load(latin1, format: .wells96) } throws: { error in
            "\(error)".contains("not UTF-8") && "\(error)".contains("line 2") && "\(error)".contains("0xE9")
        }
    }

    @Test func aDirectoryOrFIFOGivenAsAPlateMapIsNamedAsSuch() throws {
        let directory = try TemporaryDirectory()
        let folder = directory.url.appendingPathComponent("maps")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        #expect { try PlateMapSet.load(folder, format: .wells96) } throws: { error in
            "\(error)".contains("is a directory")
        }
        let fifo = directory.url.appendingPathComponent("map.csv")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        let started = ContinuousClock.now
        #expect { try PlateMapSet.load(fifo, format: .wells96) } throws: { error in "\(error)".contains("FIFO") }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func anIndexEntryThatIsASymlinkOutsideIsRefusedWithoutQuotingTheTarget() throws {
        let directory = try TemporaryDirectory()
        let secret = try directory.write("outside/secret.txt", "root:x:0:0:root:/root:/bin/bash\n")
        try directory.write("index/index.csv", "plate,map\nP1,p1.csv\n")
        try FileManager.default.createSymbolicLink(atPath: directory.url.appendingPathComponent("index/p1.csv").path,
                                                   withDestinationPath: secret.path)
        #expect { try PlateMapSet.load(directory.url.appendingPathComponent("index/index.csv"), format: .wells96) }
            throws: { error in
                "\(error)".contains("escapes the index's directory") && !"\(error)".contains("root:x:0")
            }
    }

    @Test func aFileThatIsNotAPlateMapIsNotQuoted() {
        #expect { try PlateMap.parse("root:x:0:0:root:/root:/bin/bash\n", source: "passwd", format: .wells96) }
            throws: { error in
                let text = "\(error)"
                return text.contains("no 'well' column") && !text.contains("root:x")
            }
        // A real header is still listed, because it helps.
        #expect { try PlateMap.parse("plate,treatment\nP,x\n", source: "m.csv", format: .wells96) } throws: { error in
            "\(error)".contains("it has: plate, treatment")
        }
    }

    @Test func rowMessagesEscapeControlCharactersAndAreCut() {
        let text = header + "\"A01\u{1B}[2J\nforged\",x,1,uM,v,1,\n"
        #expect { try PlateMap.parse(text, source: "m.csv", format: .wells96) } throws: { error in
            let message = "\(error)"
            return !message.contains("\u{1B}") && !message.contains("\n") && message.contains("\\u{1B}")
        }
        let long = header + String(repeating: "Q", count: 5000) + ",x,1,uM,v,1,\n"
        #expect { try PlateMap.parse(long, source: "m.csv", format: .wells96) } throws: { error in
            "\(error)".count < 400
        }
    }

    @Test func aSiteBeyondAnyInstrumentIsRefusedInTheManifest() {
        let manifest = "plate,well,site,channel,path\nP1,A01,2147483648,w1,P1/a.tif\n"
        #expect { try ImageManifest.parse(manifest, file: "manifest.csv") } throws: { error in
            "\(error)".contains("site") && "\(error)".contains("row 2")
        }
        let ok = "plate,well,site,channel,path\nP1,A01,9,w1,P1/a.tif\n"
        #expect((try? ImageManifest.parse(ok, file: "manifest.csv"))?.first?.site == 9)
    }
}
