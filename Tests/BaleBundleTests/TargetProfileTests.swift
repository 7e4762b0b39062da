import BaleBundle
import Foundation
import Testing

@Suite struct TargetProfileTests {
    /// The repository's `targets/` directory.
    static let targetsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("targets")

    @Test(arguments: ["cloud-x86_64", "edge-arm64"])
    func filesInTargetsMatchTheBuiltInProfiles(_ name: String) throws {
        let path = Self.targetsDirectory.appendingPathComponent("\(name).json").path
        #expect(try TargetProfile.resolve(path) == TargetProfile.builtIn[name])
        #expect(try TargetProfile.resolve(name).name == name)
    }

    @Test func everyFileInTargetsIsABuiltInProfile() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.targetsDirectory.path).filter { $0.hasSuffix(".json") }
        #expect(Set(files.map { String($0.dropLast(5)) }) == Set(TargetProfile.builtIn.keys))
    }

    @Test func unknownProfileListsTheKnownOnes() {
        let error = bundleError { _ = try TargetProfile.resolve("mainframe") }
        #expect(error?.message.contains("cloud-x86_64, edge-arm64") == true)
    }
}
