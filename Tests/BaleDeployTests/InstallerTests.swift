import BaleBundle
import BaleDeploy
import BaleTesting
import Foundation
import Testing

@Suite struct InstallerTests {
    let work = TemporaryDirectory()
    var device: DeviceDirectory { DeviceDirectory(path: work.file("device")) }
    func installer(keep: Int = 2, reader: BundleReader = DeployFixtures.reader) -> Installer {
        Installer(device: device, reader: reader, keep: keep)
    }

    @Test func installMakesCurrentAndStatusShowsIt() throws {
        let bundle = try DeployFixtures.bundle(in: work, version: "1.0", last: 1)
        let result = try installer().install(bundle)
        #expect(result.selfTest == "self-test passed")
        #expect(device.id(of: .current) == result.id)
        #expect(device.id(of: .previous) == nil)
        let status = DeviceStatus(device: device, reader: DeployFixtures.reader)
        #expect(status.slots[0].isHealthy)
        #expect(status.slots[0].text.contains("clf 1.0"))
        #expect(status.slots[0].text.contains("verified, signature checked"))
        #expect(status.slots[0].installedAt != nil)
        #expect(InstallLog(path: work.file("device/install.log")).entries().map(\.outcome) == ["installed"])
        #expect(try BundleReader().verify(work.file("device/current")).id == result.id)
    }

    @Test func rollbackSwapsCurrentAndPrevious() throws {
        let v1 = try installer().install(DeployFixtures.bundle(in: work, version: "1.0", last: 1))
        let v2 = try installer().install(DeployFixtures.bundle(in: work, version: "2.0", last: 2))
        #expect(device.id(of: .current) == v2.id)
        #expect(device.id(of: .previous) == v1.id)
        #expect(try device.rollback() == v1.id)
        #expect(device.id(of: .current) == v1.id)
        #expect(device.id(of: .previous) == v2.id)
        #expect(InstallLog(path: work.file("device/install.log")).entries().last?.action == "rollback")
    }

    @Test func rollbackWithoutPreviousFails() throws {
        _ = try installer().install(DeployFixtures.bundle(in: work, version: "1.0", last: 1))
        #expect(throws: DeployError.self) { try device.rollback() }
    }

    @Test func unsignedBundleIsRefused() throws {
        let bundle = try DeployFixtures.bundle(in: work, version: "1.0", last: 1, signer: nil)
        let error = #expect(throws: DeployError.self) { try installer().install(bundle) }
        #expect(error?.message.contains("not signed") == true, "\(String(describing: error))")
        #expect(device.id(of: .current) == nil)
        #expect(InstallLog(path: work.file("device/install.log")).entries().map(\.outcome) == ["refused"])
        // Nothing staged is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.file("device/bundles")).isEmpty)
    }

    @Test func wronglySignedBundleIsRefused() throws {
        let bundle = try DeployFixtures.bundle(in: work, version: "1.0", last: 1, signer: BundleSigningKey())
        let error = #expect(throws: DeployError.self) { try installer().install(bundle) }
        #expect(error?.message.contains("signature") == true, "\(String(describing: error))")
        #expect(device.id(of: .current) == nil)
    }

    @Test func unsignedAllowedWhenAsked() throws {
        let bundle = try DeployFixtures.bundle(in: work, version: "1.0", last: 1, signer: nil)
        let result = try installer(reader: BundleReader()).install(bundle)
        #expect(device.id(of: .current) == result.id)
    }

    @Test func selfTestFailureKeepsCurrent() throws {
        let v1Path = try DeployFixtures.bundle(in: work, version: "1.0", last: 1)
        let v2Path = try DeployFixtures.bundle(in: work, version: "2.0", last: 2)
        let v1 = try installer().install(v1Path)
        let bad = try DeployFixtures.wrongSample(v1Path, from: v2Path, in: work)
        let error = #expect(throws: DeployError.self) { try installer().install(bad) }
        #expect(error?.message.contains("self-test: output 'y'") == true, "\(String(describing: error))")
        #expect(device.id(of: .current) == v1.id)
        #expect(device.id(of: .previous) == nil)
        let last = InstallLog(path: work.file("device/install.log")).entries().last
        #expect(last?.outcome == "self-test failed")
        #expect(last?.version == "9.9")
    }

    @Test(arguments: [1, 2, 3])
    func keepsOnlyNOlderVersions(keep: Int) throws {
        var ids: [String] = []
        for version in 1...5 {
            ids.append(try installer(keep: keep).install(DeployFixtures.bundle(in: work, version: "\(version).0", last: Float(version))).id)
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: work.file("device/bundles")).sorted()
        #expect(left == ids.suffix(keep + 1).map { "\($0).bale" }.sorted())
    }

    @Test func packedBundleIsInstalledAfterVerificationOnly() throws {
        let path = work.file("packed.bale")
        let manifest = Manifest(
            name: "data", version: "1", createdAt: "2026-11-26T10:00:00Z", creator: "bale-tests",
            target: Manifest.Target(profile: "cloud-x86_64", arch: "x86_64", precision: "fp32"))
        _ = try BundleWriter().write(manifest: manifest, payload: [PayloadFile(path: "a.txt", bytes: [1])], to: path, signingKey: DeployFixtures.key)
        let result = try installer().install(path)
        #expect(result.selfTest == "not a built model")
        #expect(DeviceStatus(device: device, reader: DeployFixtures.reader).slots[0].text.contains("not a built model"))
    }

    @Test func unwritableDeviceGivesOneLineNamingIt() throws {
        let bundle = try DeployFixtures.bundle(in: work, version: "1.0", last: 1)
        let file = work.write("plain-file", [1, 2, 3])
        let error = #expect(throws: DeployError.self) {
            try Installer(device: DeviceDirectory(path: file + "/device"), reader: DeployFixtures.reader).install(bundle)
        }
        #expect(error?.message.contains("plain-file/device") == true, "\(String(describing: error))")
        #expect(error?.message.contains("\n") == false)
        #expect(readBytes(file) == [1, 2, 3])
    }
}
