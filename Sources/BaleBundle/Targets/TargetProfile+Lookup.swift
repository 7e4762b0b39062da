#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension TargetProfile {
    /// Finds a profile by built-in name (e.g. `edge-arm64`) or reads it from a JSON file path.
    public static func resolve(_ nameOrPath: String) throws(BundleError) -> TargetProfile {
        if let profile = builtIn[nameOrPath] { return profile }
        guard nameOrPath.hasSuffix(".json") || nameOrPath.contains("/") else {
            let known = builtIn.keys.sorted().joined(separator: ", ")
            throw BundleError(.invalidInput, "unknown target profile '\(nameOrPath)'; built-in profiles are \(known), or give a path to a profile .json file")
        }
        guard let data = FileManager.default.contents(atPath: nameOrPath) else {
            throw BundleError(.io, "cannot read target profile '\(nameOrPath)'", path: nameOrPath)
        }
        do {
            return try JSONDecoder().decode(TargetProfile.self, from: data)
        } catch {
            throw BundleError(.invalidInput, "target profile '\(nameOrPath)' is not valid: \(error)", path: nameOrPath)
        }
    }
}
