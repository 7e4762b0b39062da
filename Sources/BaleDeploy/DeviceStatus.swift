public import BaleBundle

/// What a device directory holds: each slot's bundle, when it was installed and whether it
/// still verifies.
///
/// Example:
/// ```swift
/// for slot in DeviceStatus(device: DeviceDirectory(path: "/var/lib/bale")).slots { print(slot.text) }
/// ```
public struct DeviceStatus: Sendable {
    /// One slot (`current` or `previous`).
    public struct SlotStatus: Sendable, Hashable {
        /// Which slot.
        public var slot: DeviceDirectory.Slot
        /// The bundle id, nil when the slot is unset.
        public var id: String?
        /// Name and version from the manifest (empty when unreadable).
        public var name: String, version: String
        /// When it was installed (from the log, else the file's time), RFC 3339 UTC.
        public var installedAt: String?
        /// `verified`, `verified, signature checked`, or the error that stops it verifying.
        public var verification: String
        /// The self-test result the install recorded (`self-test passed`, `no sample`, ...).
        public var selfTest: String?

        /// True when the slot is set and its bundle verifies.
        public var isHealthy: Bool { id != nil && verification.hasPrefix("verified") }

        /// One line for `bale status`.
        public var text: String {
            guard let id else { return "\(slot.rawValue): none" }
            let parts = ["\(name) \(version)", "id \(id)", "installed \(installedAt ?? "?")", verification, selfTest].compactMap { $0 }
            return "\(slot.rawValue): " + parts.joined(separator: ", ")
        }
    }

    /// `current`, then `previous`.
    public let slots: [SlotStatus]

    /// Reads the device's status, verifying each slot's bundle in full with `reader`.
    public init(device: DeviceDirectory, reader: BundleReader = BundleReader()) {
        let entries = InstallLog(path: device.logPath).entries()
        slots = DeviceDirectory.Slot.allCases.map { slot in
            guard let id = device.id(of: slot) else {
                return SlotStatus(slot: slot, id: nil, name: "", version: "", installedAt: nil, verification: "none", selfTest: nil)
            }
            let path = device.bundlePath(id)
            let installed = entries.last { $0.id == id && $0.outcome == "installed" }
            var status = SlotStatus(
                slot: slot, id: id, name: "", version: "", installedAt: installed?.time ?? modificationTime(path).map { timestamp(Int($0)) },
                verification: "", selfTest: installed?.detail)
            do throws(BundleError) {
                let info = try reader.verify(path)
                status.name = info.manifest.name
                status.version = info.manifest.version
                status.verification = info.signatureVerified ? "verified, signature checked" : "verified"
                if info.id != id { status.verification = "damaged: '\(path)' holds bundle \(info.id)" }
            } catch {
                status.verification = "damaged: \(error.message)"
            }
            return status
        }
    }
}
