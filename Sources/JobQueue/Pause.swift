import Postgres

/// Pausing a queue stops claims from it (jobs already running finish); resuming wakes the workers.
public enum Pause {
    public static func pause(queue: String, on connection: Connection) throws {
        try connection.execute(QueueSQL.pause, [queue])
    }

    public static func resume(queue: String, on connection: Connection) throws {
        try connection.execute(QueueSQL.resume, [queue])
        try connection.query(QueueSQL.notify, [QueueSQL.notifyChannel, queue])
    }

    public static func pausedQueues(on connection: Connection) throws -> [String] {
        try connection.query(QueueSQL.pausedQueues).map { try $0.string("queue") }
    }
}
