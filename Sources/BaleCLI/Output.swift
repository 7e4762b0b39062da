#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one line to standard error.
public func printError(_ line: String) {
    fputs(line + "\n", stderr)
}

/// Ends the process with `code` (the C library's `exit`, which `ParsableCommand.exit(withError:)`
/// hides inside command types).
func exitProcess(_ code: Int32) -> Never {
    exit(code)
}

extension String {
    /// `value` in the printf conversion `format` (e.g. `%.3f`), as `String(format:)` writes it.
    init(printf format: String, _ value: Double) {
        let length = Int(withVaList([value]) { vsnprintf(nil, 0, format, $0) })
        var buffer = [CChar](repeating: 0, count: length + 1)
        _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, format, $0) }
        self.init(decoding: buffer.prefix(length).map(UInt8.init(bitPattern:)), as: UTF8.self)
    }
}
