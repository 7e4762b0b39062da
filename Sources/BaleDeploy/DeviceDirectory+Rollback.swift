public import BaleBundle

extension DeviceDirectory {
    /// Makes `previous` current again (and the replaced bundle `previous`), after checking the
    /// bundle it returns to in full with `reader`.
    /// - Returns: the id now current.
    /// - Throws: a ``DeployError`` when there is no previous version or it does not verify; the
    ///   device is then unchanged.
    public func rollback(reader: BundleReader = BundleReader()) throws(DeployError) -> String {
        let lock = try prepare()
        defer { withExtendedLifetime(lock) {} }
        guard let target = id(of: .previous) else {
            throw DeployError("'\(path)' has no previous version to roll back to", path: path)
        }
        let info = try bundleCall { () throws(BundleError) in try reader.verify(bundlePath(target)) }
        let replaced = id(of: .current)
        try point(.current, at: target)
        if let replaced { try point(.previous, at: replaced) }
        try InstallLog(path: logPath).append(action: "rollback", id: target, manifest: info.manifest, outcome: "rolled back", detail: "from \(replaced ?? "none")")
        return target
    }
}
