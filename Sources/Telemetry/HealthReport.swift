/// What `GET /health` answers: 200 with `{"status":"ok",...}` when healthy, 503 with
/// `{"status":"unavailable",...}` otherwise, plus the details as string fields.
public struct HealthReport: Sendable, Equatable {
    /// False turns the response into a 503, which takes the worker out of a load balancer or marks the
    /// container unhealthy.
    public var isHealthy: Bool
    /// Extra fields for humans and probes, e.g. `["database": "unreachable", "worker": "w-1"]`.
    /// A `status` key here is ignored: the status field always reflects `isHealthy`.
    public var details: [String: String]

    public init(isHealthy: Bool, details: [String: String] = [:]) {
        self.isHealthy = isHealthy
        self.details = details
    }

    public static let healthy = HealthReport(isHealthy: true)

    public static func unhealthy(reason: String) -> HealthReport {
        HealthReport(isHealthy: false, details: ["reason": reason])
    }

    /// One JSON object, `status` first and the details in key order so the output is stable.
    var json: String {
        var fields = ["\"status\":\(Self.quoted(isHealthy ? "ok" : "unavailable"))"]
        for key in details.keys.sorted() where key != "status" {
            fields.append("\(Self.quoted(key)):\(Self.quoted(details[key] ?? ""))")
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    private static func quoted(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
