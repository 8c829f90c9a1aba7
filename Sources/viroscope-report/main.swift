import ArgumentParser

struct Root: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "viroscope-report", abstract: "Viroscope.")
}
Root.main()
