import Campaigns
import Imaging
import JobQueue

/// The kinds this worker runs: the queue's built-ins plus image analysis.
/// `onImageAnalysed` receives each analysed image set's nucleus count and seconds (for metrics).
func workerRegistry(databaseURL: String?, imageRoot: String?, imageSetDeadline: Duration = .seconds(600),
                    onImageAnalysed: (@Sendable (Int, Double) -> Void)? = nil,
                    maximumPixels: Int = TIFFReader.defaultPixelBudget) -> ExecutorRegistry {
    var registry = ExecutorRegistry.builtin
    registry.register(AnalyseImagesPayload.kind, AnalyseImagesExecutor(
        databaseURL: databaseURL, imageRoot: imageRoot, softwareVersion: "viroscope-worker \(workerVersion)",
        imageSetDeadline: imageSetDeadline, onImageAnalysed: onImageAnalysed, maximumPixels: maximumPixels))
    return registry
}
