import ArgumentParser
import CommandLineSupport
import Postgres

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply missing numbered migrations, each in its own transaction.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Migrations directory (default: $VIROSCOPE_MIGRATIONS, then migrations/ found walking up from the executable, then ./migrations).")
    var migrations: String?

    @Option(help: "How long to wait for the migration lock before naming the session that holds it.")
    var lockTimeout = DurationFlag(argument: "60s")!

    func validate() throws {
        try NumericFlag.check(lockTimeout.duration, "--lock-timeout", in: .milliseconds(100) ... .seconds(24 * 3600))
    }

    func run() throws {
        let directory = Migrator.locateDirectory(explicit: migrations)
        try database.withConnection("migrate") { connection in
            var migrator = Migrator(directory: directory, logger: coordinatorLogger)
            migrator.lockTimeout = lockTimeout.duration
            let applied = try migrator.migrate(on: connection)
            if applied.isEmpty {
                print("database \(connection.target) is up to date (\(directory))")
            } else {
                for migration in applied { print("applied \(migration.name)") }
            }
        }
    }
}
