public import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

extension ParsableCommand {
    /// Runs the root command; a failure prints one line, `error: <what is wrong>`, to standard
    /// error and exits 1 (64 for a usage error). Help and `--version` print as usual and exit 0.
    ///
    /// Logs go to standard error at the level named by `BALE_LOG_LEVEL` (`trace`, `debug`,
    /// `info`, `notice`, `warning` (default; `info` for `serve`), `error`, `critical`).
    public static func mainWithOneLineErrors() -> Never {
        do {
            var command = try parseAsRoot()
            // The sidecar logs requests and model loads at info; one-shot commands only warnings.
            let defaultLevel: Logger.Level = command is Serve ? .info : .warning
            let level = ProcessInfo.processInfo.environment["BALE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? defaultLevel
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
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
