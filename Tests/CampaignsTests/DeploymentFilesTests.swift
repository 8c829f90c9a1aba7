import Foundation
import Testing
import TestSupport

/// The deployment files are part of the product: a typo in compose.yaml must fail the build, not a
/// facility's first deployment.
@Suite struct DeploymentFilesTests {
    @Test func composeFileValidatesOfflineAndTheWorkerStaysScalable() throws {
        let script = RepositoryPaths.root.appendingPathComponent("ops/check-compose").path
        let result = try ChildProcess.run("/bin/bash", [script], timeout: .seconds(300))
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("compose.yaml is valid"))
    }

    @Test func workerUnitStopsGracefullyAndRestartsOnFailure() throws {
        let unit = try String(contentsOf: RepositoryPaths.root.appendingPathComponent("ops/systemd/viroscope-worker.service"),
                              encoding: .utf8)
        #expect(unit.contains("KillSignal=SIGTERM"))
        #expect(unit.contains("Restart=on-failure"))
        let stop = unit.split(separator: "\n").first { $0.hasPrefix("TimeoutStopSec=") }
        let value = stop.map { String($0.dropFirst("TimeoutStopSec=".count)) } ?? "0"
        let number = Int(value.filter(\.isNumber)) ?? 0
        let seconds = value.hasSuffix("min") ? number * 60 : (value.hasSuffix("h") ? number * 3600 : number)
        #expect(seconds >= 120, "a job must be able to finish before systemd kills the worker")
    }
}
