#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's peak resident set size so far.
public enum PeakMemory {
    /// Peak RSS in bytes.
    ///
    /// On Linux this is `VmHWM` from `/proc/self/status`, not `getrusage`'s `ru_maxrss`: Linux
    /// carries `ru_maxrss` across `execve`, so a process started by a large parent (a Python
    /// script with onnxruntime loaded: 130 MiB) reports the parent's peak instead of its own
    /// (28 MiB). `getrusage(RUSAGE_SELF)` is the fallback, and the source on macOS (bytes there,
    /// KiB on Linux).
    public static var residentBytes: UInt64 {
        #if os(Linux)
            if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let kib = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap({ UInt64($0) })
            {
                return kib * 1024
            }
        #endif
        var usage = rusage()
        #if canImport(Glibc)
            // Glibc imports RUSAGE_SELF as an enum case but getrusage takes its Int32 value.
            guard getrusage(Int32(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
            return UInt64(usage.ru_maxrss) * 1024
        #else
            guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
            return UInt64(usage.ru_maxrss)
        #endif
    }
}
