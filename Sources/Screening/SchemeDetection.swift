/// Picks the naming scheme that fits the majority of the files, so a scientist need not know what the
/// instrument calls its files. Refuses to guess when no scheme fits more than half the files, or when two fit equally.
public enum SchemeDetection {
    /// The schemes automatic detection tries.
    public static let candidates: [any ImageNamingScheme] = [ImageXpressNaming(), OperaNaming()]

    public static func detect(
        relativePaths: [String], candidates: [any ImageNamingScheme] = SchemeDetection.candidates
    ) throws(ScreeningError) -> any ImageNamingScheme {
        let examples = Array(relativePaths.sorted().prefix(5))
        guard !relativePaths.isEmpty else { throw .noSchemeMatches(examples: []) }
        let counts = candidates.map { scheme in relativePaths.count(where: { scheme.parse(relativePath: $0) != nil }) }
        guard let best = counts.max(), best * 2 > relativePaths.count else { throw .noSchemeMatches(examples: examples) }
        let winners = candidates.indices.filter { counts[$0] == best }
        guard winners.count == 1 else {
            throw .ambiguousScheme(candidates: winners.map { candidates[$0].name }, examples: examples)
        }
        return candidates[winners[0]]
    }
}
