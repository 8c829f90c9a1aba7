import Analysis
import Campaigns
import Foundation

/// `submit`'s model-domain check: compare the campaign's control wells with the model's training data, refuse
/// a campaign far outside it (unless `--accept-out-of-domain`), warn near the edge.
extension SubmitCommand {
    /// The model directory `--model` names on disk (a path or a shipped model), nil for a model in the database.
    var modelDirectoryOnDisk: URL? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory), isDirectory.boolValue {
            return URL(fileURLWithPath: model)
        }
        return model.contains("/") ? nil : ModelStore.shippedModelDirectory(named: model)
    }

    /// The verdict to store with the campaign; exits with status 1 when the campaign is out of the domain and
    /// the override was not given.
    ///
    /// With `--rescale-to-model` the images are resampled so the control nuclei's median diameter is the
    /// training median (the factor goes into `settings.imageScale` for the workers) and checked again at that scale.
    func checkDomain(_ plan: CampaignPlan, settings: inout AnalysisSettings) -> DomainVerdict {
        var verdict: DomainVerdict
        do {
            if let directory = modelDirectoryOnDisk {
                let domain = try ModelDomain.load(modelDirectory: directory)
                let calls = try loadModelFromDisk().map { CampaignDomainCheck.Calls(model: $0, settings: settings) }
                verdict = try CampaignDomainCheck.check(plan, domain: domain, segmentation: settings.segmentation,
                                                        calls: calls)
                if rescaleToModel, let factor = ImageRescaling.factor(for: verdict), abs(factor - 1) > 0.05 {
                    note(String(format: "rescaling images by %.3f so nuclei have the model's training size", factor))
                    settings.imageScale = factor
                    verdict = try CampaignDomainCheck.check(
                        plan, domain: domain, segmentation: settings.segmentation, imageScale: factor,
                        calls: try loadModelFromDisk().map { CampaignDomainCheck.Calls(model: $0, settings: settings) })
                }
            } else {
                verdict = DomainVerdict(status: .unchecked,
                                        reasons: ["model '\(model)' comes from the database, which keeps no domain.json"])
            }
        } catch {
            fail("cannot check the model's domain: \(error)")
        }
        switch verdict.status {
        case .inDomain:
            note("model domain: \(verdict.summary)")
        case .unchecked, .nearEdge:
            note("warning: model domain: \(verdict.summary)")
        case .outOfDomain:
            guard acceptOutOfDomain else {
                fail("the campaign's nuclei are outside the model's training domain: "
                     + verdict.reasons.joined(separator: "; ")
                     + ". Its calls would not mean much; train a model on these images, or pass --accept-out-of-domain")
            }
            verdict.overridden = true
            note("warning: model domain: \(verdict.summary)")
        }
        return verdict
    }
}
