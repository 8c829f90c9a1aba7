import ArgumentParser

/// Range checks for numeric command-line flags, done where the flag is parsed (in `validate()`), so that a
/// NaN, an infinity, a negative age or an absurd count is a usage error naming the flag (exit 2) instead of a
/// trap in a later conversion, a silent wrong answer, or a raw database error after a dry run said all was well.
public enum NumericFlag {
    /// Throws a `ValidationError` naming `flag` unless `value` is finite and within `range`.
    public static func check(_ value: Double, _ flag: String, in range: ClosedRange<Double>, unit: String = "") throws {
        guard value.isFinite, range.contains(value) else {
            throw ValidationError("\(flag) must be a number within \(describe(range.lowerBound))…\(describe(range.upperBound))"
                                  + (unit.isEmpty ? "" : " \(unit)") + ", not \(value)")
        }
    }

    /// Float flavour of `check(_:_:in:unit:)`; the value is widened exactly.
    public static func check(_ value: Float, _ flag: String, in range: ClosedRange<Double>, unit: String = "") throws {
        try check(Double(value), flag, in: range, unit: unit)
    }

    /// Throws a `ValidationError` naming `flag` unless `value` is within `range`.
    public static func check(_ value: Int, _ flag: String, in range: ClosedRange<Int>, unit: String = "") throws {
        guard range.contains(value) else {
            throw ValidationError("\(flag) must be within \(range.lowerBound)…\(range.upperBound)"
                                  + (unit.isEmpty ? "" : " \(unit)") + ", not \(value)")
        }
    }

    /// Throws a `ValidationError` naming `flag` unless the value is finite (any sign or size).
    public static func checkFinite(_ value: Float, _ flag: String) throws {
        guard value.isFinite else { throw ValidationError("\(flag) must be a finite number, not \(value)") }
    }

    private static func describe(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
