import Analysis
import Postgres

/// The rows one job writes: a result per image set (with the error for those that failed) and the nuclei of
/// those that succeeded. Written inside the job's fenced completion, so they commit exactly when the job does.
struct ResultRows: Sendable {
    let outcomes: [(AnalyseImagesPayload.Entry, Result<ImageSetAnalysis, AnalysisError>)]

    func write(jobID: Int64, workerID: Int64?, modelSHA: String, settingsJSON: String, softwareVersion: String,
               on connection: Connection) throws {
        var ids: [Int64] = [], nuclei: [Int] = [], infected: [Int] = [], meanP: [Double?] = [],
            reporterPositive: [Int?] = [], thresholds: [Double?] = [], reporterThresholds: [Double?] = [],
            errors: [String?] = [], durations: [Double] = []
        for (entry, outcome) in outcomes {
            ids.append(entry.id)
            switch outcome {
            case .success(let analysis):
                nuclei.append(analysis.nuclei.count)
                infected.append(analysis.infected)
                meanP.append(analysis.meanPInfected.map(Double.init))
                reporterPositive.append(analysis.reporterPositive)
                thresholds.append(Double(analysis.threshold))
                reporterThresholds.append(analysis.reporterThreshold.map(Double.init))
                errors.append(nil)
                durations.append(analysis.seconds * 1000)
            case .failure(let error):
                nuclei.append(0)
                infected.append(0)
                meanP.append(nil)
                reporterPositive.append(nil)
                thresholds.append(nil)
                reporterThresholds.append(nil)
                errors.append(error.description)
                durations.append(0)
            }
        }
        try connection.execute(CampaignSQL.insertResults, [
            ids, jobID, workerID, modelSHA, settingsJSON, softwareVersion, nuclei, infected, meanP, reporterPositive,
            thresholds, reporterThresholds, errors, durations,
        ])
        let nucleusRows = outcomes.lazy.flatMap { entry, outcome -> [[(any PostgresValue)?]] in
            guard case .success(let analysis) = outcome else { return [] }
            return analysis.nuclei.map { n -> [(any PostgresValue)?] in
                [entry.id, n.label, n.x, n.y, n.area, n.meanIntensity, n.reporterMean, n.pInfected]
            }
        }
        try connection.copyIn(table: "nuclei", columns: [
            "image_set_id", "label", "x", "y", "area", "mean_intensity", "reporter_mean", "p_infected",
        ], rows: nucleusRows)
    }
}
