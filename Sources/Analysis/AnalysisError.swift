/// Why one image set could not be analysed. The worker records it as that image set's error and carries on
/// with the rest of the batch, so every message names the file.
public struct AnalysisError: Error, CustomStringConvertible, Sendable, Equatable {
    public let file: String
    public let reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}
