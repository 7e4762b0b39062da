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

/// One-line wording for file-system errors from Foundation.
package enum SystemErrorReason {
    /// The operating system's reason under a Foundation error (e.g. "No such file or directory"),
    /// which says more than Foundation's own wording; else the error's description.
    package static func describe(_ error: any Error) -> String {
        guard let posix = error as? POSIXError ?? (error as? CocoaError)?.underlying as? POSIXError else {
            return "\(error)"
        }
        return String(cString: strerror(posix.code.rawValue))
    }
}
