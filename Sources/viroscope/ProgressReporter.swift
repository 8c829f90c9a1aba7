import Foundation

/// Progress of a long step (collecting crops, an epoch) with elapsed time and an ETA, on stderr.
///
/// On a terminal the line rewrites itself at most a few times a second; in a log (not a terminal) it prints a
/// line at every tenth of the work, so a run under nohup or CI still shows it is moving and when it will end.
final class ProgressReporter {
    private let label: String
    private let terminalOnly: Bool
    private let started = Date()
    private let terminal = isatty(STDERR_FILENO) == 1
    private var lastDraw = Date.distantPast
    private var lastDecile = 0

    /// - Parameter terminalOnly: print nothing when stderr is not a terminal (for fine-grained progress whose
    ///   coarse summary is logged elsewhere, such as the steps within an epoch).
    init(_ label: String, terminalOnly: Bool = false) {
        self.label = label
        self.terminalOnly = terminalOnly
    }

    /// Reports `done` of `total` units of `unit` (e.g. "image sets").
    func update(_ done: Int, of total: Int, unit: String) {
        guard total > 0 else { return }
        let now = Date()
        let text = "\(label): \(done)/\(total) \(unit), " + ProgressReporter.timing(elapsed: now.timeIntervalSince(started),
                                                                              done: done, total: total)
        if terminal {
            guard done == total || now.timeIntervalSince(lastDraw) >= 0.25 else { return }
            lastDraw = now
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        } else if !terminalOnly {
            let decile = done * 10 / total
            guard decile > lastDecile else { return }
            lastDecile = decile
            FileHandle.standardError.write(Data("\(text)\n".utf8))
        }
    }

    /// Clears a terminal progress line so the next message starts clean.
    func finish() {
        guard terminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    /// "12 s elapsed, ETA 1 min 4 s" from a constant rate over what is done so far.
    static func timing(elapsed: TimeInterval, done: Int, total: Int) -> String {
        let remaining = done > 0 ? elapsed / Double(done) * Double(total - done) : nil
        return "\(duration(elapsed)) elapsed" + (done >= total ? "" : ", ETA " + (remaining.map(duration) ?? "?"))
    }

    static func duration(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h \(s % 3600 / 60) min"
    }
}
