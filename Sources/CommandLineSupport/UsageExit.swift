import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Runs a command the way every Viroscope executable does: usage errors (a bad flag, a value out of range)
/// print the message and usage and exit 2, like most Unix tools and as the README documents; runtime errors
/// exit 1; `--help` exits 0. ArgumentParser's own default for usage errors is 64 (`EX_USAGE`).
public enum UsageExit {
    public static func main(_ command: any ParsableCommand.Type, arguments: [String]? = nil) -> Never {
        do {
            var parsed = try command.parseAsRoot(arguments)
            try parsed.run()
            exit(0)
        } catch {
            if command.exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((command.fullMessage(for: error) + "\n").utf8))
                exit(2)
            }
            command.exit(withError: error)
        }
    }
}
