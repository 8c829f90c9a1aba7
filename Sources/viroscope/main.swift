import ArgumentParser
import CommandLineSupport

/// The scientist's bench tool: look at images, segment them, make synthetic campaigns, train and benchmark the classifier.
/// Each subcommand lives in its own file and is a thin front end over a library module.
struct Viroscope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "viroscope",
        abstract: "Viroscope bench tool: inspect, segment, synthesise, train, evaluate and benchmark.",
        subcommands: [
            InspectCommand.self,
            SegmentCommand.self,
            SynthCommand.self,
            TrainCommand.self,
            EvaluateCommand.self,
            PredictCommand.self,
            DomainCommand.self,
            ImportONNXCommand.self,
            ExportONNXCommand.self,
            BenchNNCommand.self,
        ]
    )
}

// Usage errors exit 2 (ArgumentParser alone would exit 64), runtime errors 1.
UsageExit.main(Viroscope.self)
