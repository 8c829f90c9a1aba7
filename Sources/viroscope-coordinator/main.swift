import ArgumentParser

struct Root: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "viroscope-coordinator", abstract: "Viroscope.")
}
Root.main()
