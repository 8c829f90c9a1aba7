import Analysis
import Foundation
import Postgres

/// The rows one job writes: a result per image set (with the error for those that failed) and the nuclei of
/// those that succeeded. Written inside the job's fenced completion, so they commit exactly when the job does,
/// through functions that check the lease token (`jobID`, `leaseToken`) again in the database.
struct ResultRows: Sendable {
    let outcomes: [(AnalyseImagesPayload.Entry, Result<ImageSetAnalysis, AnalysisError>)]

    func write(jobID: Int64, leaseToken: UUID, workerID: Int64?, modelSHA: String, settingsJSON: String, softwareVersion: String,
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
        try connection.query(CampaignSQL.insertResults, [
            jobID, leaseToken, workerID, modelSHA, settingsJSON, softwareVersion, ids, nuclei, infected, meanP,
            reporterPositive, thresholds, reporterThresholds, errors, durations,
        ])
        // Column arrays rather than COPY: the worker role may not write `nuclei` itself, and a function reading a
        // caller's temporary table would run the caller's objects with the owner's rights.
        var setIDs: [Int64] = [], labels: [Int] = [], xs: [Double] = [], ys: [Double] = [], areas: [Int] = [],
            means: [Double] = [], reporterMeans: [Double?] = [], pInfected: [Double] = []
        for (entry, outcome) in outcomes {
            guard case .success(let analysis) = outcome else { continue }
            for n in analysis.nuclei {
                setIDs.append(entry.id)
                labels.append(n.label)
                xs.append(Double(n.x))
                ys.append(Double(n.y))
                areas.append(n.area)
                means.append(Double(n.meanIntensity))
                reporterMeans.append(n.reporterMean.map(Double.init))
                pInfected.append(Double(n.pInfected))
            }
        }
        guard !setIDs.isEmpty else { return }
        try connection.query(CampaignSQL.insertNuclei, [
            jobID, leaseToken, setIDs, labels, xs, ys, areas, means, reporterMeans, pInfected,
        ])
    }
}
