import JobQueue

/// Placeholder for image analysis, which lands in a later build: discarded at once with a clear error rather
/// than retried, since retrying cannot help.
struct AnalyseImagesExecutor: JobExecutor {
    func execute(_ job: ClaimedJob, context: JobContext) throws -> JobOutcome {
        throw PermanentJobFailure("job \(job.id): analyse-images is not implemented in this build of viroscope-worker")
    }
}

/// The kinds this worker runs: the queue's built-ins plus the executable's own. `imageRoot` is where image
/// paths in `analyse-images` payloads are resolved, for the executor that replaces the placeholder.
func workerRegistry(imageRoot: String?) -> ExecutorRegistry {
    var registry = ExecutorRegistry.builtin
    registry.register("analyse-images", AnalyseImagesExecutor())
    return registry
}
