import COpenBLAS
import Foundation

/// OpenBLAS set-up. Inference runs one small sgemm per crop and layer, where OpenBLAS's own threads cost more than
/// they give, and workers already run one session per core; so sgemm is single-threaded unless asked.
///
/// It also repairs a CPU misdetection: OpenBLAS 0.3.21 (Debian 12) does not know recent Xeons (e.g. family 6
/// model 207) and falls back to its SSE3 "Prescott" kernels, about 4× slower than the AVX-512 ones the CPU can run.
/// When the detected core is such a fallback, `OPENBLAS_CORETYPE` is unset and the CPU reports AVX-512 (or AVX2
/// with FMA), the kernel table is re-selected as "SkylakeX" (or "Haswell") through OpenBLAS's own dynamic-arch
/// entry points, before this module's first sgemm. Setting `OPENBLAS_CORETYPE` yourself disables the repair.
public enum BLASThreads {
    private static let configured: String? = {
        let repaired = OpenBLASCore.repairMisdetectedCore()
        openblas_set_num_threads(1)
        return repaired
    }()

    /// Makes sure the single-threaded default (and the core repair) is in place; called before any sgemm.
    static func ensureConfigured() { _ = configured }

    /// Lets OpenBLAS use `count` threads inside each sgemm (useful only for large matrices).
    public static func set(_ count: Int) {
        ensureConfigured()
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// The number of threads OpenBLAS will use.
    public static var current: Int {
        ensureConfigured()
        return Int(openblas_get_num_threads())
    }

    /// The OpenBLAS kernel family in use (e.g. "SkylakeX"), and the misdetected one it replaced, if any.
    public static var core: (name: String, replaced: String?) {
        ensureConfigured()
        return (OpenBLASCore.currentName() ?? "unknown", configured)
    }
}

/// Access to OpenBLAS's dynamic-architecture functions, which cblas.h does not declare; looked up with dlsym so a
/// build without them (a single-architecture OpenBLAS) simply skips the repair.
enum OpenBLASCore {
    private typealias NameFunction = @convention(c) () -> UnsafePointer<CChar>?
    private typealias VoidFunction = @convention(c) () -> Void

    /// Generic kernel sets OpenBLAS falls back to when it does not recognise a CPU.
    private static let fallbacks: Set<String> = ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom",
                                                 "Katmai", "Coppermine", "Northwood", "Banias"]

    static func currentName() -> String? {
        guard let f = symbol("openblas_get_corename", as: NameFunction.self), let p = f() else { return nil }
        return String(cString: p)
    }

    /// Returns the replaced core name when it switched kernels, nil otherwise.
    static func repairMisdetectedCore() -> String? {
        guard getenv("OPENBLAS_CORETYPE") == nil, let detected = currentName(), fallbacks.contains(detected),
              let quit = symbol("gotoblas_dynamic_quit", as: VoidFunction.self),
              let initialise = symbol("gotoblas_dynamic_init", as: VoidFunction.self),
              let flags = cpuFlags() else { return nil }
        let target: String
        if ["avx512f", "avx512dq", "avx512bw", "avx512vl"].allSatisfy(flags.contains) {
            target = "SkylakeX"
        } else if flags.contains("avx2") && flags.contains("fma") {
            target = "Haswell"
        } else {
            return nil
        }
        setenv("OPENBLAS_CORETYPE", target, 1)
        quit()
        initialise()
        return currentName() == target ? detected : nil
    }

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        guard let p = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(p, to: type)
    }

    private static func cpuFlags() -> Set<String>? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return nil }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
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
