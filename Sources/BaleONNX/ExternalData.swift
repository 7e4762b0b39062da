/// Reads tensor data stored outside the model file (`data_location = EXTERNAL`).
///
/// ONNX names the data with `external_data` entries: `location`, a path relative to the model's
/// directory; `offset` and `length`, decimal byte counts. Paths that leave the model's directory
/// (absolute, `..`, or a symbolic link pointing elsewhere) are refused: a model must not make
/// the packager read arbitrary files. Lengths are checked against the file size and the
/// tensor's dims before any byte is read.
struct ExternalDataReader {
    /// The directory `location` paths are relative to; `nil` for a model held in memory.
    let baseDirectory: String?

    /// The bytes of `tensor`'s data.
    ///
    /// - Parameters:
    ///   - tensor: The tensor proto with `external_data` entries.
    ///   - what: How messages name the tensor, e.g. `initializer 'w'`.
    ///   - expectedBytes: The byte count its dims and element type call for.
    func read(_ tensor: Onnx_TensorProto, what: String, expectedBytes: Int) throws(ImportError) -> [UInt8] {
        var entries: [String: String] = [:]
        for entry in tensor.externalData { entries[entry.key] = entry.value }
        guard let location = entries["location"], !location.isEmpty else {
            throw ImportError("\(what) has external data without a 'location'")
        }
        guard let baseDirectory else {
            throw ImportError(
                .io,
                "\(what) keeps its data in external file '\(location)', but the model was read from memory without a base directory"
            )
        }
        let file = try open(location, in: baseDirectory, tensor: what)
        let offset = try number(entries["offset"], key: "offset", tensor: what) ?? 0
        guard offset <= file.size else {
            throw ImportError(
                "\(what): external data offset \(offset) is past the end of '\(location)' (\(file.size) bytes)"
            )
        }
        let available = file.size - offset
        let length = try number(entries["length"], key: "length", tensor: what) ?? available
        guard length <= available else {
            throw ImportError(
                "\(what): external data needs \(length) bytes at offset \(offset) of '\(location)', which has only \(file.size) bytes"
            )
        }
        guard length == UInt64(expectedBytes) else {
            throw ImportError(
                "\(what): external data has \(length) bytes, but its dims and element type call for \(expectedBytes)"
            )
        }
        return try file.read(offset: offset, count: expectedBytes)
    }

    // MARK: - Helpers

    /// Opens `location` below `directory`, refusing paths that lead outside it.
    private func open(
        _ location: String, in directory: String, tensor what: String
    ) throws(ImportError) -> ReadableFile {
        let components = location.split(separator: "/", omittingEmptySubsequences: false)
        guard !location.hasPrefix("/"), !components.contains(".."), !location.contains("\0") else {
            throw ImportError(
                "\(what): external data location '\(location)' leaves the model's directory (absolute paths and '..' are refused)"
            )
        }
        let path = Paths.join(directory, location)
        guard let root = Paths.resolved(directory) else { throw ReadableFile.ioError("resolve", directory) }
        guard let resolved = Paths.resolved(path) else {
            throw ImportError(.io, "\(what): \(ReadableFile.ioError("open external data file", path).message)")
        }
        guard Paths.isInside(resolved, directory: root) else {
            throw ImportError(
                "\(what): external data location '\(location)' resolves to '\(resolved)', outside the model's directory"
            )
        }
        return try ReadableFile(path: resolved)
    }

    /// A non-negative decimal entry, `nil` when absent.
    private func number(_ text: String?, key: String, tensor what: String) throws(ImportError) -> UInt64? {
        guard let text else { return nil }
        guard let value = UInt64(text) else {
            throw ImportError("\(what): external data '\(key)' is '\(text)', expected a non-negative integer")
        }
        return value
    }
}
