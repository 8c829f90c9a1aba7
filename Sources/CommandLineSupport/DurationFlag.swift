import ArgumentParser

/// A duration flag such as `--lease 60s`: `500ms`, `60s`, `2m`, `1h`, `7d`, or a bare number of seconds.
///
/// Parsing refuses NaN, infinities, negative values and anything longer than `maximum` (a year): `1e300s`
/// used to reach `Int64(Double)` and trap. The flag's own range is checked by its command's `validate()`.
public struct DurationFlag: ExpressibleByArgument, Sendable, Equatable {
    /// Longer than any lease, grace period or retention an operator means; larger values are typos. Each flag's
    /// own, tighter range is checked by its command.
    public static let maximum: Duration = .seconds(366 * 24 * 3600)

    public let duration: Duration
    public let text: String

    public init?(argument: String) {
        guard let duration = DurationFlag.parse(argument) else { return nil }
        self.duration = duration
        self.text = argument
    }

    public var defaultValueDescription: String { text }

    /// The duration `text` names, or nil when it is not a finite, non-negative duration up to `maximum`.
    public static func parse(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        var number = Substring(text)
        var scale = 1.0
        for (suffix, unitScale) in units where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            scale = unitScale
            break
        }
        guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
        let milliseconds = value * scale * 1000
        let maximumMilliseconds = Double(maximum.components.seconds) * 1000
        guard milliseconds.isFinite, milliseconds <= maximumMilliseconds else { return nil }
        return .milliseconds(Int64(milliseconds))
    }
}

extension Duration {
    /// For messages: `1.5s`, `250ms`.
    var flagDescription: String {
        let parts = components
        let milliseconds = Double(parts.seconds) * 1000 + Double(parts.attoseconds) / 1e15
        return milliseconds < 1000 ? "\(Int64(milliseconds))ms" : "\(milliseconds / 1000)s"
    }
}

extension NumericFlag {
    /// Throws a `ValidationError` naming `flag` unless `value` is within `range`.
    public static func check(_ value: Duration, _ flag: String, in range: ClosedRange<Duration>) throws {
        guard range.contains(value) else {
            throw ValidationError("\(flag) must be within \(range.lowerBound.flagDescription)…"
                                  + "\(range.upperBound.flagDescription), not \(value.flagDescription)")
        }
    }
}
