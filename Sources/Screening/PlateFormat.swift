/// A microplate layout: how many rows and columns of wells.
public enum PlateFormat: Int, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case wells96 = 96
    case wells384 = 384
    case wells1536 = 1536

    public var rows: Int {
        switch self {
        case .wells96: return 8
        case .wells384: return 16
        case .wells1536: return 32
        }
    }

    public var columns: Int {
        switch self {
        case .wells96: return 12
        case .wells384: return 24
        case .wells1536: return 48
        }
    }

    public var wellCount: Int { rawValue }

    /// Every well of the plate in reading order (A01, A02, … then B01, …).
    public var wells: [WellPosition] {
        (0..<rows).flatMap { row in (0..<columns).map { WellPosition(row: row, column: $0 + 1) } }
    }

    public func contains(_ well: WellPosition) -> Bool {
        well.row >= 0 && well.row < rows && well.column >= 1 && well.column <= columns
    }

    public var description: String { "\(rawValue)-well" }
}
