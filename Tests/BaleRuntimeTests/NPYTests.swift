import BaleGraph
import BaleRuntime
import Foundation
import Testing

/// The `.npy` reader and writer: NumPy's own files for every dtype, round trips, header
/// variants, and one hostile or unsupported file per rule of the reader.
@Suite struct NPYTests {
    // MARK: - NumPy's own files

    /// A file `np.save` wrote (hex produced with NumPy 2.4) and the tensor it holds.
    struct NumpyFile: CustomTestStringConvertible, Sendable {
        var name: String
        var hex: String
        var expected: Tensor
        /// Whether `NPY.write(expected)` gives the same bytes (not for `<f8`, read as f32, nor
        /// for versions 2.0 and 3.0, which the writer uses only for long headers).
        var sameBytes = true
        var testDescription: String { name }
    }

    static let numpyFiles: [NumpyFile] = [
        NumpyFile(
            name: "<f4 (2, 3)",
            hex: hexF4,
            expected: Tensor(shape: [2, 3], floats: [0.5, -1.25, 3, 0, 1024, -0.125])
        ),
        NumpyFile(
            name: "<f2 (3,)",
            hex: hexF2,
            expected: Tensor(shape: [3], storage: .f16([0x3C00, 0xB800, 0x7BFF]))
        ),
        NumpyFile(
            name: "|i1 (4,)",
            hex: hexI1,
            expected: Tensor(shape: [4], storage: .i8([-128, -1, 0, 127]))
        ),
        NumpyFile(
            name: "|u1 (2, 2)",
            hex: hexU1,
            expected: Tensor(shape: [2, 2], storage: .u8([0, 1, 128, 255]))
        ),
        NumpyFile(
            name: "<i4 (2,)",
            hex: hexI4,
            expected: Tensor(shape: [2], storage: .i32([.min, .max]))
        ),
        NumpyFile(
            name: "<i8 (1, 3)",
            hex: hexI8,
            expected: Tensor(shape: [1, 3], int64s: [.min, 0, .max])
        ),
        NumpyFile(
            name: "|b1 (3,)",
            hex: hexB1,
            expected: Tensor(shape: [3], storage: .bool([true, false, true]))
        ),
        NumpyFile(
            name: "<f8 (2,) read as f32",
            hex: hexF8,
            expected: Tensor(shape: [2], floats: [Float(0.1 as Double), -2.5]),
            sameBytes: false
        ),
        NumpyFile(name: "<f4 scalar ()", hex: hexScalar, expected: Tensor(shape: [], floats: [7])),
        NumpyFile(name: "<f4 empty (0, 3)", hex: hexEmpty, expected: Tensor(shape: [0, 3], floats: [])),
        NumpyFile(
            name: "version 2.0",
            hex: hexV2,
            expected: Tensor(shape: [2], floats: [1, 2]),
            sameBytes: false
        ),
        NumpyFile(
            name: "version 3.0",
            hex: hexV3,
            expected: Tensor(shape: [2], floats: [1, 2]),
            sameBytes: false
        ),
    ]

    @Test(arguments: numpyFiles)
    func readsNumpyOutput(_ file: NumpyFile) throws {
        let bytes = Self.bytes(hex: file.hex)
        let tensor = try NPY.read(bytes, name: file.name)
        #expect(tensor == file.expected)
        if file.sameBytes {
            #expect(NPY.write(tensor) == bytes, "the writer should match np.save byte for byte")
        }
    }

    // MARK: - Round trips

    static let tensors: [Tensor] = [
        Tensor(shape: [2, 3, 4], floats: (0..<24).map { Float($0) * 0.37 - 4 }),
        Tensor(shape: [5], storage: .f16([0x0000, 0x8000, 0x3C00, 0x7C00, 0x7E00])),
        Tensor(shape: [3, 1], storage: .i8([-7, 0, 99])),
        Tensor(shape: [4], storage: .u8([0, 7, 200, 255])),
        Tensor(shape: [2, 2], storage: .i32([-1, 1, 65_536, -65_536])),
        Tensor(shape: [3], int64s: [-1, 1 << 40, -(1 << 50)]),
        Tensor(shape: [2, 2], storage: .bool([false, true, true, false])),
        Tensor(shape: [], storage: .i64([42])),
        Tensor(shape: [0], storage: .bool([])),
        Tensor(shape: [1, 0, 3], storage: .i32([])),
        Tensor(shape: [123_456_789_012, 0], floats: []),
    ]

    @Test(arguments: tensors)
    func roundTrips(_ tensor: Tensor) throws {
        let bytes = NPY.write(tensor)
        #expect(try NPY.read(bytes, name: "round trip") == tensor)
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect(Array(bytes.prefix(8)) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        #expect((10 + headerLength) % 64 == 0, "data starts at a multiple of 64")
        #expect(bytes[10 + headerLength - 1] == 0x0A, "header ends with a newline")
        #expect(bytes.count == 10 + headerLength + tensor.count * tensor.dtype.byteSize)
    }

    @Test func longHeaderUsesVersion2() throws {
        let tensor = Tensor(shape: [Int](repeating: 1, count: 30_000), floats: [3.5])
        let bytes = NPY.write(tensor)
        #expect(Array(bytes[6..<8]) == [2, 0])
        let headerLength = bytes[8..<12].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(headerLength > 65_535)
        #expect((12 + headerLength) % 64 == 0)
        #expect(try NPY.read(bytes, name: "long") == tensor)
    }

    // MARK: - Header variants

    @Test(arguments: [
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
        "{\"shape\":(2,),\"descr\":\"<f4\",\"fortran_order\":False}",
        " {  'fortran_order' : False ,\t'shape' : ( 2 , ) , 'descr' : '<f4' }  \n",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }" + String(repeating: " ", count: 300) + "\n",
    ])
    func acceptsHeaderSpellings(_ header: String) throws {
        let data: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]
        #expect(try NPY.read(Self.npy(header, data: data), name: "spelling") == Tensor(shape: [2], floats: [1, 2]))
    }

    // MARK: - Refusals

    /// Bytes the reader must refuse, the code it must give and a fragment of the message.
    struct Refusal: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var code: NPYError.Code
        var fragment: String
        var testDescription: String { name }
    }

    static let f4 = bytes(hex: hexF4)

    static func header(_ fields: String) -> [UInt8] { npy("{\(fields)}", data: []) }

    static let refusals: [Refusal] = [
        Refusal(name: "bad magic", bytes: Array("GIF89a....".utf8), code: .badMagic, fragment: "not an .npy file"),
        Refusal(
            name: "npz archive", bytes: [0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0, 0, 0], code: .badMagic,
            fragment: "zip archive"),
        Refusal(name: "empty", bytes: [], code: .truncated, fragment: "truncated .npy preamble"),
        Refusal(name: "magic only", bytes: Array(f4.prefix(7)), code: .truncated, fragment: "truncated .npy preamble"),
        Refusal(
            name: "no header length", bytes: Array(f4.prefix(9)), code: .truncated, fragment: "truncated .npy preamble"),
        Refusal(
            name: "version 4.0", bytes: Array(f4.prefix(6)) + [4, 0, 0, 0], code: .unsupportedVersion,
            fragment: "version 4.0"),
        Refusal(
            name: "version 1.1", bytes: Array(f4.prefix(6)) + [1, 1, 0, 0], code: .unsupportedVersion,
            fragment: "version 1.1"),
        Refusal(
            name: "truncated header", bytes: Array(f4.prefix(60)), code: .truncated,
            fragment: "declares 118 bytes, 50 present"),
        Refusal(
            name: "truncated data", bytes: Array(f4.dropLast(4)), code: .truncated, fragment: "needs 24 bytes, found 20"
        ),
        Refusal(name: "extra data", bytes: f4 + [0, 0], code: .sizeMismatch, fragment: "(2 extra)"),
        Refusal(
            name: "not a dict", bytes: npy("['descr', '<f4']", data: []), code: .invalidHeader, fragment: "expected '{'"
        ),
        Refusal(
            name: "unterminated string", bytes: header("'descr': '<f4"), code: .invalidHeader,
            fragment: "unterminated string"),
        Refusal(
            name: "escape in string", bytes: header("'descr': '<f\\x34'"), code: .invalidHeader, fragment: "no escapes"),
        Refusal(
            name: "missing shape", bytes: header("'descr': '<f4', 'fortran_order': False"), code: .invalidHeader,
            fragment: "missing key 'shape'"),
        Refusal(
            name: "extra key", bytes: header("'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1"),
            code: .invalidHeader, fragment: "unexpected key 'x'"
        ),
        Refusal(
            name: "duplicate key", bytes: header("'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': ()"),
            code: .invalidHeader, fragment: "duplicate key 'descr'"
        ),
        Refusal(
            name: "shape not a tuple", bytes: header("'descr': '<f4', 'fortran_order': False, 'shape': (5)"),
            code: .invalidHeader, fragment: "'shape' must be a tuple of integers, found 5"
        ),
        Refusal(
            name: "negative dimension", bytes: header("'descr': '<f4', 'fortran_order': False, 'shape': (2, -1)"),
            code: .invalidHeader, fragment: "non-negative integers, found -1"
        ),
        Refusal(
            name: "huge integer",
            bytes: header("'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)"),
            code: .invalidHeader, fragment: "integer too large"
        ),
        Refusal(
            name: "deep nesting", bytes: header("'descr': " + String(repeating: "(", count: 5000)),
            code: .invalidHeader, fragment: "nest deeper"
        ),
        Refusal(
            name: "text after the dict",
            bytes: npy("{'descr': '<f4', 'fortran_order': False, 'shape': ()} x", data: []),
            code: .invalidHeader, fragment: "after the dict"
        ),
        Refusal(
            name: "fortran_order not a bool", bytes: header("'descr': '<f4', 'fortran_order': 0, 'shape': ()"),
            code: .invalidHeader, fragment: "True or False"
        ),
        Refusal(
            name: "Fortran order", bytes: bytes(hex: hexFortran), code: .fortranOrder,
            fragment: "Fortran-order arrays are not supported; save with np.ascontiguousarray"
        ),
        Refusal(
            name: "object array", bytes: bytes(hex: hexObject), code: .unsupportedDType,
            fragment: "object arrays (dtype '|O')"),
        Refusal(
            name: "big-endian", bytes: bytes(hex: hexBigendian), code: .unsupportedDType,
            fragment: "big-endian dtype '>f4'"),
        Refusal(name: "int16", bytes: bytes(hex: hexI2), code: .unsupportedDType, fragment: "unsupported dtype '<i2'"),
        Refusal(
            name: "structured dtype",
            bytes: header("'descr': [('x', '<f4'), ('y', '<i4')], 'fortran_order': False, 'shape': (1,)"),
            code: .unsupportedDType, fragment: "structured dtype"
        ),
        Refusal(
            name: "element count overflow",
            bytes: header("'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)"),
            code: .overflow, fragment: "more elements than fit"
        ),
        Refusal(
            name: "byte count overflow",
            bytes: header("'descr': '<i8', 'fortran_order': False, 'shape': (2305843009213693952,)"),
            code: .overflow, fragment: "needs more bytes than fit"
        ),
        Refusal(
            name: "huge shape, no data",
            bytes: header("'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,)"),
            code: .truncated, fragment: "needs 4398046511104 bytes, found 0"
        ),
    ]

    @Test(arguments: refusals)
    func refuses(_ refusal: Refusal) throws {
        let error = try #require(throws: NPYError.self) { try NPY.read(refusal.bytes, name: "in.npy") }
        #expect(error.code == refusal.code, "\(error.message)")
        #expect(error.message.hasPrefix("in.npy: "), "\(error.message)")
        #expect(error.message.contains(refusal.fragment), "\(error.message)")
        #expect(!error.message.contains("\n"))
    }

    /// Every prefix of a valid file, and every header byte replaced by bytes that matter to the
    /// parser, either reads or throws `NPYError`: nothing traps.
    @Test func neverTrapsOnDamagedFiles() {
        var refused = 0
        for length in 0..<Self.f4.count {
            do { _ = try NPY.read(Array(Self.f4.prefix(length)), name: "prefix") } catch { refused += 1 }
        }
        #expect(refused == Self.f4.count)
        for position in 0..<128 {
            for byte in Array("{}()[],:'\"-9L \n".utf8) + [0x00, 0xFF] {
                var damaged = Self.f4
                damaged[position] = byte
                _ = try? NPY.read(damaged, name: "damaged")
            }
        }
    }

    // MARK: - Files

    @Test func writesAndReadsFilesAtomically() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npy-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("x.npy").path
        let first = Tensor(shape: [2], floats: [1, 2])
        let second = Tensor(shape: [3], int64s: [4, 5, 6])

        try NPY.write(first, to: path)
        #expect(try NPY.read(contentsOf: path) == first)
        try NPY.write(second, to: path)
        #expect(try NPY.read(contentsOf: path) == second)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["x.npy"],
            "no temporary file is left")

        let intoDirectory = #expect(throws: NPYError.self) { try NPY.write(first, to: directory.path) }
        #expect(intoDirectory?.code == .io)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["x.npy"],
            "a failed write leaves nothing")
    }

    @Test func fileErrorsNameThePath() {
        let missing = "/nonexistent-\(UUID().uuidString)/x.npy"
        let readError = #expect(throws: NPYError.self) { try NPY.read(contentsOf: missing) }
        #expect(readError?.code == .io)
        #expect(readError?.message.hasPrefix("\(missing): cannot read") == true, "\(String(describing: readError))")
        let writeError = #expect(throws: NPYError.self) { try NPY.write(Tensor(shape: [1], floats: [1]), to: missing) }
        #expect(writeError?.code == .io)
        #expect(writeError?.message.hasPrefix("\(missing): ") == true, "\(String(describing: writeError))")
    }

    // MARK: - Helpers

    /// Bytes from a hex string; whitespace is ignored.
    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.unicodeScalars.filter { !$0.properties.isWhitespace })
        return stride(from: 0, to: digits.count - 1, by: 2).compactMap {
            UInt8(String(digits[$0]) + String(digits[$0 + 1]), radix: 16)
        }
    }

    /// A version 1.0 file with `header` as its header text, unpadded, followed by `data`.
    static func npy(_ header: String, data: [UInt8]) -> [UInt8] {
        let text = Array(header.utf8)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text + data
    }
}

// MARK: - Files np.save wrote

// Produced with NumPy 2.4: `np.save(buffer, array)`, or `np.lib.format.write_array(buffer, array,
// version=...)` for versions 2.0 and 3.0; `hexObject` keeps only the preamble and header.

private let hexF4 = """
    934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73
    652c20277368617065273a2028322c2033292c207d202020202020202020202020202020202020202020202020202020
    202020202020202020202020202020202020202020202020202020202020200a0000003f0000a0bf0000404000000000
    00008044000000be
    """

private let hexF2 = """
    934e554d5059010076007b276465736372273a20273c6632272c2027666f727472616e5f6f72646572273a2046616c73
    652c20277368617065273a2028332c292c207d2020202020202020202020202020202020202020202020202020202020
    202020202020202020202020202020202020202020202020202020202020200a003c00b8ff7b
    """

private let hexI1 = """
    934e554d5059010076007b276465736372273a20277c6931272c2027666f727472616e5f6f72646572273a2046616c73
    652c20277368617065273a2028342c292c207d2020202020202020202020202020202020202020202020202020202020
    202020202020202020202020202020202020202020202020202020202020200a80ff007f
    """

private let hexU1 = """
    934e554d5059010076007b276465736372273a20277c7531272c2027666f727472616e5f6f72646572273a2046616c73
    652c20277368617065273a2028322c2032292c207d202020202020202020202020202020202020202020202020202020
    202020202020202020202020202020202020202020202020202020202020200a000180ff
    """

private let hexI4 = """
    934e554d5059010076007b276465736372273a20273c6934272c2027666f727472616e5f6f72646572273a2046616c73
    652c20277368617065273a2028322c292c207d2020202020202020202020202020202020202020202020202020202020
    202020202020202020202020202020202020202020202020202020202020200a00000080ffffff7f
    """

private let hexI8 = """
    934e554d5059010076007b276465736372273a20273c6938272c2027666f727472616e5f6f72646572273a2046616c73
    652c20277368617065273a2028312c2033292c207d202020202020202020202020202020202020202020202020202020
    202020202020202020202020202020202020202020202020202020202020200a00000000000000800000000000000000
    ffffffffffffff7f
    """

private let hexB1 = """
    934e554d5059010076007b276465736372273a20277c6231272c2027666f727472616e5f6f72646572273a2046616c73
    652c20277368617065273a2028332c292c207d2020202020202020202020202020202020202020202020202020202020
    202020202020202020202020202020202020202020202020202020202020200a010001
    """

private let hexF8 = """
    934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73
    652c20277368617065273a2028322c292c207d2020202020202020202020202020202020202020202020202020202020
    202020202020202020202020202020202020202020202020202020202020200a9a9999999999b93f00000000000004c0
    """

private let hexScalar = """
    934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73
    652c20277368617065273a2028292c207d20202020202020202020202020202020202020202020202020202020202020
    202020202020202020202020202020202020202020202020202020202020200a0000e040
    """

private let hexEmpty = """
    934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73
    652c20277368617065273a2028302c2033292c207d202020202020202020202020202020202020202020202020202020
    202020202020202020202020202020202020202020202020202020202020200a
    """

private let hexV2 = """
    934e554d50590200740000007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a204661
    6c73652c20277368617065273a2028322c292c207d202020202020202020202020202020202020202020202020202020
    202020202020202020202020202020202020202020202020202020202020200a0000803f00000040
    """

private let hexV3 = """
    934e554d50590300740000007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a204661
    6c73652c20277368617065273a2028322c292c207d202020202020202020202020202020202020202020202020202020
    202020202020202020202020202020202020202020202020202020202020200a0000803f00000040
    """

private let hexFortran = """
    934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2054727565
    2c20277368617065273a2028322c2032292c207d20202020202020202020202020202020202020202020202020202020
    202020202020202020202020202020202020202020202020202020202020200a0000803f000040400000004000008040
    """

private let hexBigendian = """
    934e554d5059010076007b276465736372273a20273e6634272c2027666f727472616e5f6f72646572273a2046616c73
    652c20277368617065273a2028312c292c207d2020202020202020202020202020202020202020202020202020202020
    202020202020202020202020202020202020202020202020202020202020200a3f800000
    """

private let hexObject = """
    934e554d5059010076007b276465736372273a20277c4f272c2027666f727472616e5f6f72646572273a2046616c7365
    2c20277368617065273a2028322c292c207d202020202020202020202020202020202020202020202020202020202020
    202020202020202020202020202020202020202020202020202020202020200a
    """

private let hexI2 = """
    934e554d5059010076007b276465736372273a20273c6932272c2027666f727472616e5f6f72646572273a2046616c73
    652c20277368617065273a2028322c292c207d2020202020202020202020202020202020202020202020202020202020
    202020202020202020202020202020202020202020202020202020202020200a01000200
    """
