extension Manifest {
    /// Plugin stages this format version defines.
    public static let pluginStages: Set<String> = ["preprocess", "postprocess", "monitor"]
    /// What a module plugin may be granted (``Plugin/grants``): `clock`, a monotonic clock.
    public static let moduleGrants: Set<String> = ["clock"]
    /// The largest sandbox limits a manifest may ask for: 4096 pages (256 MiB), 10^11 fuel.
    public static let moduleLimitMaxima = ModuleLimits(memoryPages: 4096, fuel: 100_000_000_000)

    /// Checks every field's value (types were checked when decoding).
    ///
    /// Errors name the field, e.g. `manifest.json field 'files[2].sha256' must be 64 lowercase
    /// hex digits, found "xyz"`.
    public func validate(limits: BundleLimits = .default) throws(BundleError) {
        try require(Self.isName(name), "name", "must be 1-128 characters from A-Z a-z 0-9 . _ - starting with a letter or digit", name)
        try require(Self.isVersion(version), "version", "must be 1-64 characters from A-Z a-z 0-9 . _ - +", version)
        try require(Self.isTimestamp(createdAt), "createdAt", "must be an RFC 3339 UTC time like 2026-11-26T10:00:00Z", createdAt)
        try require(!creator.isEmpty, "creator", "must not be empty", creator)
        try require(!target.profile.isEmpty, "target.profile", "must not be empty", target.profile)
        try require(!target.arch.isEmpty, "target.arch", "must not be empty", target.arch)
        try require(!target.precision.isEmpty, "target.precision", "must not be empty", target.precision)
        if let source = model.source {
            try require(SHA256Digest.isHex(source.sha256), "model.source.sha256", "must be 64 lowercase hex digits", source.sha256)
        }
        for (index, plugin) in plugins.enumerated() {
            try require(!plugin.name.isEmpty, "plugins[\(index)].name", "must not be empty", plugin.name)
            try require(Self.pluginStages.contains(plugin.stage), "plugins[\(index)].stage", "must be one of preprocess, postprocess, monitor", plugin.stage)
            try validateModule(of: plugin, at: index)
        }
        try validateFiles(limits: limits)
    }

    /// A module plugin's code lies under its own `plugins/<name>/`, ends in `.wasm` and is a
    /// listed file; grants and limits are known and in range (and only on module plugins).
    private func validateModule(of plugin: Plugin, at index: Int) throws(BundleError) {
        guard let module = plugin.module else {
            try require(plugin.grants == nil && plugin.limits == nil, "plugins[\(index)]", "has grants or limits but no module", plugin.name)
            return
        }
        // The name becomes a directory, log metadata and part of every error of the plugin.
        try require(Self.isName(plugin.name), "plugins[\(index)].name", "must be 1-128 characters from A-Z a-z 0-9 . _ - starting with a letter or digit", plugin.name)
        let directory = "plugins/\(plugin.name)/"
        try require(
            module.hasPrefix(directory) && module.hasSuffix(".wasm") && module.count > directory.count + 5,
            "plugins[\(index)].module", "must be a .wasm file under \(directory)", module)
        try require(files.contains { $0.path == module }, "plugins[\(index)].module", "must be a file listed in 'files'", module)
        for grant in plugin.grants ?? [] {
            try require(Self.moduleGrants.contains(grant), "plugins[\(index)].grants", "may hold only \(Self.moduleGrants.sorted().joined(separator: ", "))", grant)
        }
        if let pages = plugin.limits?.memoryPages {
            let most = Self.moduleLimitMaxima.memoryPages ?? 0
            try require((1...most).contains(pages), "plugins[\(index)].limits.memoryPages", "must be from 1 to \(most)", "\(pages)")
        }
        if let fuel = plugin.limits?.fuel {
            let most = Self.moduleLimitMaxima.fuel ?? 0
            try require((1...most).contains(fuel), "plugins[\(index)].limits.fuel", "must be from 1 to \(most)", "\(fuel)")
        }
    }

    private func validateFiles(limits: BundleLimits) throws(BundleError) {
        guard files.count <= limits.maxFiles else {
            throw BundleError(.limitExceeded, "\(BundlePath.manifest) lists \(files.count) files, more than the limit of \(limits.maxFiles)", path: BundlePath.manifest)
        }
        var total: UInt64 = 0
        for (index, file) in files.enumerated() {
            if let problem = BundlePath.problem(with: file.path) {
                throw Self.invalid("field 'files[\(index)].path' (\"\(file.path)\") is not a safe path: \(problem)")
            }
            if index > 0, !BundlePath.precedes(files[index - 1].path, file.path) {
                throw Self.invalid("field 'files' must be sorted by path with no duplicates: '\(files[index - 1].path)' comes before '\(file.path)'")
            }
            try require(SHA256Digest.isHex(file.sha256), "files[\(index)].sha256", "must be 64 lowercase hex digits", file.sha256)
            try require(!file.mediaType.isEmpty && file.mediaType.utf8.count <= 255, "files[\(index)].mediaType", "must be 1-255 characters", file.mediaType)
            total += file.size
            guard file.size <= limits.maxTotalBytes, total <= limits.maxTotalBytes else {
                throw BundleError(.limitExceeded, "\(BundlePath.manifest) declares \(formatBytes(total)) of files (at '\(file.path)'), more than the limit of \(formatBytes(limits.maxTotalBytes))", path: BundlePath.manifest)
            }
        }
        if let clash = BundlePath.clash(in: files.map(\.path)) {
            throw Self.invalid("field 'files' has clashing paths: \(clash)")
        }
    }

    private func require(_ ok: Bool, _ field: String, _ rule: String, _ found: String) throws(BundleError) {
        guard ok else {
            let shown = found.count > 80 ? String(found.prefix(80)) + "…" : found
            throw Self.invalid("field '\(field)' \(rule), found \"\(shown)\"")
        }
    }

    // MARK: - Field rules

    /// Whether `text` is a valid bundle name.
    public static func isName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...128).contains(bytes.count), let first = bytes.first, isAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// Whether `text` is a valid bundle version.
    public static func isVersion(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        return bytes.allSatisfy {
            isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+")
        }
    }

    /// Whether `text` is `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
    public static func isTimestamp(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count >= 20, b.last == UInt8(ascii: "Z") else { return false }
        let digitsAt = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
        let punctuation: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")]
        guard digitsAt.allSatisfy({ isDigit(b[$0]) }),
            punctuation.allSatisfy({ b[$0.0] == $0.1.asciiValue })
        else { return false }
        if b.count > 20 {
            guard b[19] == UInt8(ascii: "."), b.count > 21, b[20..<(b.count - 1)].allSatisfy(isDigit) else { return false }
        }
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + Int(b[$1] - 48) } }
        return (1...12).contains(number(5..<7)) && (1...31).contains(number(8..<10))
            && number(11..<13) < 24 && number(14..<16) < 60 && number(17..<19) < 61
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }
    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (65...90).contains(byte) || (97...122).contains(byte)
    }
}
