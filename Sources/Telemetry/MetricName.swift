/// The Prometheus names of the worker's metrics, in one place so dashboards, alerts and tests agree.
public enum MetricName {
    public static let jobsClaimed = "viroscope_jobs_claimed_total"
    public static let jobsSucceeded = "viroscope_jobs_succeeded_total"
    public static let jobsFailed = "viroscope_jobs_failed_total"
    public static let jobsRetried = "viroscope_jobs_retried_total"
    public static let jobsDiscarded = "viroscope_jobs_discarded_total"
    public static let leaseLost = "viroscope_lease_lost_total"
    public static let dbReconnects = "viroscope_db_reconnects_total"
    public static let jobDuration = "viroscope_job_duration_seconds"
    public static let imageDuration = "viroscope_image_duration_seconds"
    public static let nuclei = "viroscope_nuclei_total"
    public static let images = "viroscope_images_total"
    public static let queueDepth = "viroscope_queue_depth"
    public static let busyThreads = "viroscope_worker_busy_threads"
}
