#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one line to standard error.
public func printError(_ line: String) {
    fputs(line + "\n", stderr)
}
