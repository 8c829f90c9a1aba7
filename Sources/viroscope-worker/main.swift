import ArgumentParser

struct Root: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "viroscope-worker", abstract: "Viroscope.")
}
Root.main()
