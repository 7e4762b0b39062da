#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BaleRuntime

/// Writes one line to standard error.
public func printError(_ line: String) {
    fputs(line + "\n", stderr)
}

/// Reads standard input to its end (`bale run --raw -`).
func readStandardInput() throws(RuntimeError) -> [UInt8] {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if count == 0 { return bytes }
        if count < 0 {
            if errno == EINTR { continue }
            throw RuntimeError("cannot read standard input: \(String(cString: strerror(errno)))")
        }
        bytes.append(contentsOf: buffer[..<count])
    }
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
