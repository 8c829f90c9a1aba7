import Campaigns
import JobQueue

/// The kinds this worker runs: the queue's built-ins plus image analysis.
func workerRegistry(databaseURL: String?, imageRoot: String?) -> ExecutorRegistry {
    var registry = ExecutorRegistry.builtin
    registry.register(AnalyseImagesPayload.kind, AnalyseImagesExecutor(
        databaseURL: databaseURL, imageRoot: imageRoot, softwareVersion: "viroscope-worker \(workerVersion)"))
    return registry
}
