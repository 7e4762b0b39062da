import BaleBundle
import BaleDeploy
import BaleTesting
import Testing

@Suite struct DeltaTests {
    let work = TemporaryDirectory()
    var device: DeviceDirectory { DeviceDirectory(path: work.file("device")) }
    var installer: Installer { Installer(device: device, reader: DeployFixtures.reader) }

    @Test func deltaRebuildsTheNewBundleWithItsId() throws {
        let old = try DeployFixtures.bundle(in: work, version: "1.0", last: 1)
        let new = try DeployFixtures.bundle(in: work, version: "1.1", last: 2)
        _ = try installer.install(old)
        let patch = try DeltaPatch.make(old: old, new: new, output: work.file("1.0-1.1.delta"))
        // Only what changed travels: the manifest, the last layer and the expected sample output.
        let carried = patch.manifest.files.map(\.path).filter { $0.hasPrefix("delta/files/") }
        // (graph.json travels too when the new head's weights chose another encoding.)
        #expect((1...3).contains(carried.count), "\(patch.manifest.files.map(\.path))")
        let newID = try DeployFixtures.reader.verify(new).id
        let result = try installer.installDelta(work.file("1.0-1.1.delta"))
        #expect(result.id == newID)
        #expect(result.selfTest == "self-test passed")
        #expect(device.id(of: .current) == newID)
        let rebuilt = try DeployFixtures.reader.verify(device.bundlePath(newID))
        #expect(rebuilt.signatureVerified)
        #expect(InstallLog(path: work.file("device/install.log")).entries().last?.action == "delta")
    }

    @Test func deltaAgainstAnotherInstalledBundleIsRefused() throws {
        let old = try DeployFixtures.bundle(in: work, version: "1.0", last: 1)
        let new = try DeployFixtures.bundle(in: work, version: "1.1", last: 2)
        let other = try installer.install(DeployFixtures.bundle(in: work, version: "0.9", last: 3))
        _ = try DeltaPatch.make(old: old, new: new, output: work.file("p.delta"))
        let error = #expect(throws: DeployError.self) { try installer.installDelta(work.file("p.delta")) }
        #expect(error?.message.contains("which is not installed") == true, "\(String(describing: error))")
        #expect(device.id(of: .current) == other.id)
    }

    @Test func aBundleIsNotAPatch() throws {
        let old = try DeployFixtures.bundle(in: work, version: "1.0", last: 1)
        let error = #expect(throws: DeployError.self) { try installer.installDelta(old) }
        #expect(error?.message.contains("is not a delta patch") == true, "\(String(describing: error))")
    }
}
