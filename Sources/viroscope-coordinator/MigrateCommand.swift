import ArgumentParser
import Postgres

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply missing numbered migrations, each in its own transaction.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Migrations directory (default: $VIROSCOPE_MIGRATIONS, then migrations/ found walking up from the executable, then ./migrations).")
    var migrations: String?

    func run() throws {
        let directory = Migrator.locateDirectory(explicit: migrations)
        try database.withConnection("migrate") { connection in
            let applied = try Migrator(directory: directory, logger: coordinatorLogger).migrate(on: connection)
            if applied.isEmpty {
                print("database \(connection.target) is up to date (\(directory))")
            } else {
                for migration in applied { print("applied \(migration.name)") }
            }
        }
    }
}
