public import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// The version every Bale executable reports.
public let baleVersion = "0.1.0"

extension ParsableCommand {
    /// Runs the root command; a failure prints one line, `error: <what is wrong>`, to standard
    /// error and exits 1 (64 for a usage error). Help and `--version` print as usual and exit 0.
    ///
    /// Logs go to standard error at the level named by `BALE_LOG_LEVEL` (`trace`, `debug`,
    /// `info`, `notice`, `warning` (default), `error`, `critical`).
    public static func mainWithOneLineErrors() -> Never {
        let level = ProcessInfo.processInfo.environment["BALE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        do {
            var command = try parseAsRoot()
            try command.run()
            exitProcess(0)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            let text = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            printError("error: \(text)")
            exitProcess(code.rawValue)
        }
    }
}
