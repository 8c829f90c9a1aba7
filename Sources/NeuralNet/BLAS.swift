import COpenBLAS

/// OpenBLAS thread control. Inference runs one small sgemm per crop and layer, where OpenBLAS's own threads cost
/// more than they give, and workers already run one session per core; so sgemm is single-threaded unless asked.
public enum BLASThreads {
    private static let configured: Void = { openblas_set_num_threads(1) }()

    /// Makes sure the single-threaded default is in place; called by sessions and trainers before any sgemm.
    static func ensureConfigured() { _ = configured }

    /// Lets OpenBLAS use `count` threads inside each sgemm (useful only for large matrices, e.g. training).
    public static func set(_ count: Int) {
        ensureConfigured()
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// The number of threads OpenBLAS will use.
    public static var current: Int {
        ensureConfigured()
        return Int(openblas_get_num_threads())
    }
}

/// Row-major C = alpha·op(A)·op(B) + beta·C.
@inline(__always)
func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
           c: UnsafeMutablePointer<Float>, ldc: Int) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}
