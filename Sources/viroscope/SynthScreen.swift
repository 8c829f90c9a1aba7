import ArgumentParser
import Foundation
import Imaging
import Synthetic

/// `viroscope synth --screen`: a primary compound screen with known hits and toxic compounds.
extension SynthCommand {
    func primaryScreen() throws -> PrimaryScreen {
        let settings = ScreenSettings(compounds: compounds, replicates: replicates,
                                      edgeInfection: edgeEffect ? 0.12 : 0, edgeCellLoss: edgeEffect ? 0.1 : 0,
                                      format: format == .wells1536 ? .wells1536 : .wells384)
        // 384 px is the screen default; --size only counts when changed from the campaign default of 512.
        return try PrimaryScreen(settings: settings, imageSize: size == 512 ? 384 : size, nucleiPerImage: nucleiPerImage,
                                 virus: virus, seed: seed, compression: compression.tiff)
    }

    func runScreen() throws {
        let screen = try primaryScreen()
        let start = Date()
        var last = Date.distantPast
        let summary = try SynthFailure.reporting {
            try screen.generate(into: out, overwrite: force) { done, total in
                let now = Date()
                guard done == total || now.timeIntervalSince(last) >= 10 else { return }
                last = now
                FileHandle.standardError.write(Data("synth: \(done)/\(total) fields\n".utf8))
            }
        }
        let kinds = Dictionary(grouping: screen.library, by: \.kind).mapValues(\.count)
        print("""
            wrote \(out): primary screen, \(screen.library.count) compounds (\(kinds[.antiviral] ?? 0) antiviral, \
            \(kinds[.cytotoxic] ?? 0) cytotoxic, \(kinds[.inert] ?? 0) inert) on \(summary.plates) \(screen.settings.format) plate(s) \
            (\(screen.settings.replicates) replicate(s) per library plate), \(summary.fields) fields, \(summary.nuclei) \
            nuclei; edge effect \(edgeEffect ? "on" : "off"); \(String(format: "%.1f", Date().timeIntervalSince(start))) s
            """)
    }
}
