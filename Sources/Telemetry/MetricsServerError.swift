/// Why the metrics server could not start. Request-level problems never surface as errors: they become
/// an HTTP error response and a closed connection.
public enum MetricsServerError: Error, CustomStringConvertible, Equatable {
    /// `getaddrinfo` could not turn the host into a listening address.
    case resolve(host: String, port: Int, message: String)
    /// A socket call failed while setting up the listener.
    case socket(call: String, host: String, port: Int, errno: Int32)
    /// The port is outside 0...65535.
    case invalidPort(Int)

    public var description: String {
        switch self {
        case .resolve(let host, let port, let message):
            "metrics server: cannot resolve \(host):\(port): \(message)"
        case .socket(let call, let host, let port, let code):
            "metrics server: \(call) on \(host):\(port) failed: \(errnoDescription(code))"
        case .invalidPort(let port):
            "metrics server: port \(port) is outside 0...65535"
        }
    }
}
