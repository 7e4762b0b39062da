#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The machine's usable cores.
package enum ProcessorCount {
    /// Active processors, at least 1.
    package static var active: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}
