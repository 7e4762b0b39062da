/// Where each entry of a ustar stream sits, for tests that edit decompressed bundles in place.
public struct TarEntryLocation: Equatable {
    /// The entry's path.
    public var path: String
    /// Offset of its 512-byte header.
    public var headerOffset: Int
    /// Offset of its data.
    public var dataOffset: Int
    /// Data size.
    public var size: Int
}

/// Lists the entries of plain ustar bytes as written by `bale pack` (short names, no pax).
public func tarEntries(_ tar: [UInt8]) -> [TarEntryLocation] {
    var result: [TarEntryLocation] = []
    var offset = 0
    while offset + 512 <= tar.count, tar[offset] != 0 {
        let name = String(decoding: tar[offset..<(offset + 100)].prefix { $0 != 0 }, as: UTF8.self)
        let prefix = String(decoding: tar[(offset + 345)..<(offset + 500)].prefix { $0 != 0 }, as: UTF8.self)
        let sizeText = String(decoding: tar[(offset + 124)..<(offset + 136)].prefix { $0 != 0 && $0 != 32 }, as: UTF8.self)
        let size = Int(sizeText, radix: 8) ?? 0
        result.append(TarEntryLocation(
            path: prefix.isEmpty ? name : "\(prefix)/\(name)", headerOffset: offset, dataOffset: offset + 512, size: size))
        offset += 512 + (size + 511) / 512 * 512
    }
    return result
}
