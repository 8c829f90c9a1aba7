/// What can go wrong with a campaign as a whole; each message names the campaign, model or file involved.
public enum CampaignError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalid(campaign: String, errors: [String])
    case nameTaken(campaign: String)
    case unknownCampaign(String)
    case modelMissing(sha256: String)
    case modelCorrupt(sha256: String, actual: String)
    case imageRootUnavailable(path: String, reason: String)
    /// A campaign folder this node may not enter: the node's fault, so the job is retried (elsewhere).
    case imageFolderUnreadable(path: String, reason: String)
    case badPayload(jobID: Int64, reason: String)

    public var description: String {
        switch self {
        case let .invalid(campaign, errors):
            return "campaign \(CampaignName.printable(campaign)) cannot be submitted:\n" + errors.map { "  - \($0)" }.joined(separator: "\n")
        case let .nameTaken(campaign):
            return "a different campaign named \(CampaignName.printable(campaign)) was already submitted (other images, plate map, model or "
                + "settings); submit under a new name, or cancel the old one first"
        case let .unknownCampaign(name): return "no campaign named \(CampaignName.printable(name))"
        case let .modelMissing(sha): return "model \(sha) is not in the models table"
        case let .modelCorrupt(sha, actual):
            return "model \(sha) in the database hashes to \(actual): its stored bytes were changed"
        case let .imageRootUnavailable(path, reason):
            return "image root \(path) is not available on this node (\(reason)); check the shared storage mount "
                + "and --image-root"
        case let .imageFolderUnreadable(path, reason):
            return "image folder \(path) cannot be read on this node (\(reason)); check the shared storage's "
                + "owner and the worker's user; the job will be retried"
        case let .badPayload(jobID, reason): return "job \(jobID): bad analyse-images payload: \(reason)"
        }
    }
}
