public import BaleGraph

/// Reads and writes NumPy `.npy` files: the format of `bale run` inputs and outputs and of the
/// ONNX test fixtures.
///
/// Layout (NumPy's `numpy.lib.format`, versions 1.0 to 3.0):
///
/// ```
/// offset  size  field
/// 0       6     magic "\x93NUMPY"
/// 6       1     major version (1, 2 or 3)
/// 7       1     minor version (0)
/// 8       2|4   header length, little-endian: UInt16 for 1.0, UInt32 for 2.0 and 3.0
/// 10|12   n     header: a Python dict literal (latin-1; UTF-8 in 3.0), space-padded, "\n"-terminated
///               {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
/// ...           data: the elements in C order, little-endian
/// ```
///
/// Bale reads the dtypes `<f4 <f2 |i1 |u1 <i4 <i8 |b1`, and `<f8` converted to f32; C order
/// only. Hostile bytes never trap: every fault is an ``NPYError``, and sizes are checked against
/// the bytes present before anything is allocated.
///
/// ```swift
/// let tensor = try NPY.read(contentsOf: "input.npy")
/// try NPY.write(tensor, to: "output.npy")
/// ```
public enum NPY {
    /// The first six bytes of every `.npy` file.
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    /// The alignment of the data offset in files NumPy (and Bale) writes.
    static let alignment = 64

    // MARK: - Reading

    /// Decodes an `.npy` file's bytes into a tensor.
    ///
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - name: what to call the bytes in error messages, usually the file path.
    /// - Returns: the tensor; `<f8` data is converted to f32.
    /// - Throws: ``NPYError`` naming `name` and the first fault found.
    public static func read(_ bytes: [UInt8], name: String) throws(NPYError) -> Tensor {
        func fail(_ code: NPYError.Code, _ detail: String) -> NPYError { NPYError(code, detail, name: name) }

        let headerRange = try preamble(bytes, name: name)
        let header: NPYHeader
        do {
            header = try NPYHeader.parse(bytes[headerRange])
        } catch {
            throw fail(.invalidHeader, "header is not a valid .npy dict: \(error.detail)")
        }
        let element = try NPYElement(descr: header.descr, name: name)
        guard !header.fortranOrder else {
            throw fail(.fortranOrder, "Fortran-order arrays are not supported; save with np.ascontiguousarray")
        }
        let array = "shape \(PythonLiteral.tuple(header.shape.map(PythonLiteral.int)).shortText) of '\(element.descr)'"
        guard let count = Shapes.count(header.shape) else {
            throw fail(.overflow, "\(array) has more elements than fit in memory")
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: element.itemSize)
        guard !overflow else { throw fail(.overflow, "\(array) needs more bytes than fit in memory") }
        let present = bytes.count - headerRange.upperBound
        guard present >= byteCount else {
            throw fail(.truncated, "truncated data: \(array) needs \(byteCount) bytes, found \(present)")
        }
        guard present == byteCount else {
            throw fail(
                .sizeMismatch, "\(array) needs \(byteCount) data bytes, found \(present) (\(present - byteCount) extra)"
            )
        }
        return Tensor(shape: header.shape, storage: element.decode(bytes, from: headerRange.upperBound, count: count))
    }

    /// Checks the magic, version and header length; returns where the header is.
    private static func preamble(_ bytes: [UInt8], name: String) throws(NPYError) -> Range<Int> {
        func fail(_ code: NPYError.Code, _ detail: String) -> NPYError { NPYError(code, detail, name: name) }
        func truncated(needing count: Int) -> NPYError {
            fail(.truncated, "truncated .npy preamble: \(bytes.count) bytes, expected at least \(count)")
        }

        guard bytes.starts(with: magic) else {
            if magic.starts(with: bytes) { throw truncated(needing: 10) }
            let found = bytes.prefix(6).map { $0 < 16 ? "0\(String($0, radix: 16))" : String($0, radix: 16) }
            let isZip = bytes.starts(with: [0x50, 0x4B, 0x03, 0x04])
            let hint = isZip ? " (a zip archive: .npz files hold several arrays; save each with np.save)" : ""
            let expected = "expected magic 93 4e 55 4d 50 59 (\\x93NUMPY)"
            throw fail(.badMagic, "not an .npy file: \(expected), found \(found.joined(separator: " "))\(hint)")
        }
        guard bytes.count >= 8 else { throw truncated(needing: 10) }
        let (major, minor) = (bytes[6], bytes[7])
        guard (1...3).contains(major), minor == 0 else {
            let version = "\(major).\(minor)"
            throw fail(.unsupportedVersion, "unsupported .npy format version \(version) (expected 1.0, 2.0 or 3.0)")
        }
        let start = major == 1 ? 10 : 12
        guard bytes.count >= start else { throw truncated(needing: start) }
        let length = bytes[8..<start].reversed().reduce(0) { $0 << 8 | Int($1) }
        guard bytes.count - start >= length else {
            throw fail(.truncated, "truncated header: it declares \(length) bytes, \(bytes.count - start) present")
        }
        return start..<start + length
    }

    // MARK: - Writing

    /// Encodes a tensor as an `.npy` file, byte for byte as `np.save` writes the same array.
    ///
    /// The header is format 1.0 (2.0 when it is longer than 65535 bytes), padded with spaces and
    /// ended with a newline so that the data starts at a multiple of 64.
    /// - Parameter tensor: any tensor; f16 is written as `<f2`, bool as `|b1`.
    /// - Returns: the file's bytes.
    public static func write(_ tensor: Tensor) -> [UInt8] {
        let element = NPYElement(tensor.dtype)
        let text = Array(NPYHeader.text(descr: element.descr, shape: tensor.shape).utf8)
        var lengthSize = 2
        var padded = paddedLength(text.count, prefix: 8 + lengthSize)
        if padded > Int(UInt16.max) {
            lengthSize = 4
            padded = paddedLength(text.count, prefix: 8 + lengthSize)
        }
        var bytes = magic + [lengthSize == 2 ? 1 : 2, 0]
        bytes.reserveCapacity(8 + lengthSize + padded + tensor.count * element.itemSize)
        for i in 0..<lengthSize { bytes.append(UInt8(truncatingIfNeeded: padded >> (8 * i))) }
        bytes += text
        bytes += [UInt8](repeating: 0x20, count: padded - text.count - 1)
        bytes.append(0x0A)
        element.encode(tensor.storage, into: &bytes)
        return bytes
    }

    /// The header length once padded (NumPy's rule: at least the newline, then up to the next
    /// multiple of 64, a whole 64 bytes more when already aligned).
    private static func paddedLength(_ textCount: Int, prefix: Int) -> Int {
        let unpadded = textCount + 1
        return unpadded + alignment - (prefix + unpadded) % alignment
    }
}
