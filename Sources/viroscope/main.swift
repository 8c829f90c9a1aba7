import ArgumentParser

struct Root: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "viroscope", abstract: "Viroscope.")
}
Root.main()
