import ArgumentParser
import Foundation

/// The `createdAt` every writing command records when `--created-at` is not given, so that the
/// same inputs give byte-identical bundles (reproducible-builds convention).
enum CreationTime {
    /// SOURCE_DATE_EPOCH when set, else `fallback` (seconds since 1970), as RFC 3339 UTC.
    static func resolve(fallback: Int) throws -> String {
        guard let text = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"] else { return rfc3339(fallback) }
        guard let seconds = Int(text), seconds >= 0 else {
            throw ValidationError("SOURCE_DATE_EPOCH must be a whole number of seconds, got '\(text)'")
        }
        return rfc3339(seconds)
    }

    /// `seconds` since 1970 as `YYYY-MM-DDTHH:MM:SSZ`.
    static func rfc3339(_ seconds: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
