import BaleGraph
import Foundation
import Testing

/// Tensor file encodings (docs/bundle-format.md §9): exact byte layouts, streaming round trips
/// at any chunking, and malformed files refused with the tensor's name.
@Suite struct TensorEncodingTests {
    static let names = [
        "raw", "shuffle", "sparse", "f16", "f16-shuffle", "f16-sparse", "rot-shuffle", "rot-sparse", "f16-rot-shuffle", "f16-rot-sparse",
    ]
    static let encodings = names.map { TensorEncoding($0)! }

    @Test func namesAndMediaTypesRoundTrip() {
        #expect(Self.encodings.map(\.description) == Self.names)
        for encoding in Self.encodings {
            #expect(TensorEncoding(mediaType: encoding.mediaType) == encoding)
        }
        #expect(TensorEncoding.raw.mediaType == "application/vnd.bale.tensor")
        #expect(TensorEncoding("f16-sparse")!.mediaType == "application/vnd.bale.tensor; encoding=f16-sparse")
        for bad in ["", "f16-raw", "Shuffle", "f16-", "f16f16", "zip", "raw-f16", "rot-raw", "f16-rot-raw", "rot-f16-shuffle", "rot-", "rot-rot-shuffle"] { #expect(TensorEncoding(bad) == nil, "\(bad)") }
        for bad in ["application/vnd.bale.tensor; encoding=raw", "application/vnd.bale.tensor;encoding=shuffle", "application/octet-stream"] {
            #expect(TensorEncoding(mediaType: bad) == nil, "\(bad)")
        }
    }

    /// The byte layouts the format document gives, on a small f32 tensor.
    @Test func byteLayoutsAreAsDocumented() {
        let tensor = Tensor(shape: [4], floats: [1, 0, -0.0, 2])  // 3F800000 0 80000000 40000000
        #expect(TensorEncoding.raw.encode(tensor) == [0, 0, 0x80, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0x40])
        #expect(TensorEncoding("shuffle")!.encode(tensor) == [0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0x3F, 0, 0x80, 0x40])
        // Mask 0b1101 (element 1 is the only zero: -0.0 is not), then 3 elements shuffled.
        #expect(TensorEncoding("sparse")!.encode(tensor) == [0b1101, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0x3F, 0x80, 0x40])
        // Half: 3C00 0000 8000 4000.
        #expect(TensorEncoding("f16")!.encode(tensor) == [0, 0x3C, 0, 0, 0, 0x80, 0, 0x40])
        #expect(TensorEncoding("f16-shuffle")!.encode(tensor) == [0, 0, 0, 0, 0x3C, 0, 0x80, 0x40])
        #expect(TensorEncoding("f16-sparse")!.encode(tensor) == [0b1101, 0, 0, 0, 0x3C, 0x80, 0x40])
        // Rotated left by one: 7F000000 0 00000001 80000000; half 7800 0 0001 8000.
        #expect(TensorEncoding("rot-shuffle")!.encode(tensor) == [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, 0, 0, 0x80])
        #expect(TensorEncoding("rot-sparse")!.encode(tensor) == [0b1101, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x7F, 0, 0x80])
        #expect(TensorEncoding("f16-rot-shuffle")!.encode(tensor) == [0, 0, 1, 0, 0x78, 0, 0, 0x80])
        #expect(TensorEncoding("f16-rot-sparse")!.encode(tensor) == [0b1101, 0, 1, 0, 0x78, 0, 0x80])
    }

    @Test func halfRoundsToNearestEvenAndKeepsSpecialValues() throws {
        let values: [Float] = [1 + 0x1p-11, 1 + 0x1.8p-11, 65504, 65520, -.infinity, .nan, 1e-8, -0.0]
        let decoded = try GraphCoding.tensor(
            from: TensorEncoding("f16")!.encode(Tensor(shape: [8], floats: values)), dtype: .f32, shape: [8], name: "h",
            encoding: TensorEncoding("f16")!)
        let floats = try #require(decoded.floats)
        #expect(floats[0] == 1)  // a tie goes to the even neighbour
        #expect(floats[1] == 1 + 0x1p-10)
        #expect(floats[2] == 65504)
        #expect(floats[3] == .infinity)  // beyond half's range
        #expect(floats[4] == -.infinity)
        #expect(floats[5].isNaN)
        #expect(floats[6] == 0 && floats[6].sign == .plus)  // underflows to +0
        #expect(floats[7] == 0 && floats[7].sign == .minus)
        #expect(!TensorEncoding.fitsHalf(Tensor(shape: [2], floats: [1, 70000])))
        #expect(TensorEncoding.fitsHalf(Tensor(shape: [3], floats: [1, .infinity, .nan])))
    }

    /// Elements of `dtype`, about half of them zero, with the values that must survive
    /// exactly: -0.0, infinities and NaN for floats, extremes for integers.
    static func sample(_ dtype: DType, count: Int) -> Tensor {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let zero = (0..<count).map { _ in next() % 2 == 0 }
        let bits = (0..<count).map { _ in next() }
        let storage: TensorStorage
        switch dtype {
        case .f32:
            let special: [Float] = [-0.0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude]
            storage = .f32((0..<count).map { i in
                zero[i] ? 0 : i < special.count ? special[i] : Float(Int(bits[i] % 20_001) - 10_000) / 997
            })
        case .f16: storage = .f16((0..<count).map { zero[$0] ? 0 : $0 == 0 ? 0x8000 : UInt16(truncatingIfNeeded: bits[$0]) })
        case .i8: storage = .i8((0..<count).map { zero[$0] ? 0 : Int8(truncatingIfNeeded: bits[$0]) })
        case .u8: storage = .u8((0..<count).map { zero[$0] ? 0 : UInt8(truncatingIfNeeded: bits[$0] | 1) })
        case .i32: storage = .i32((0..<count).map { zero[$0] ? 0 : $0 == 1 ? .min : Int32(truncatingIfNeeded: bits[$0]) })
        case .i64: storage = .i64((0..<count).map { zero[$0] ? 0 : $0 == 1 ? .min : Int64(bitPattern: bits[$0] &* bits[$0]) })
        case .bool: storage = .bool(zero.map { !$0 })
        }
        return Tensor(shape: [count / 3, 3], storage: storage)
    }

    /// What a tensor becomes after storage in `encoding`: itself, or widened from half.
    static func expected(_ tensor: Tensor, _ encoding: TensorEncoding) -> [UInt8] {
        guard encoding.half, let floats = tensor.floats else { return tensor.storage.littleEndianBytes }
        return TensorStorage.f32(floats.map { Float(Float16($0)) }).littleEndianBytes
    }

    static let combinations: [(String, DType)] = names.flatMap { name in
        DType.allCases.filter { TensorEncoding(name)!.problem(for: $0) == nil }.map { (name, $0) }
    }

    @Test(arguments: combinations)
    func everyEncodingRoundTripsAtAnyChunking(_ name: String, _ dtype: DType) throws {
        let encoding = TensorEncoding(name)!
        for count in [0, 3, 24, 999] {
            let tensor = Self.sample(dtype, count: count)
            let file = encoding.encode(tensor)
            for chunk in [1, 7, max(1, file.count)] {
                var decoder = try TensorDecoder(name: "t", dtype: dtype, shape: tensor.shape, encoding: encoding)
                if chunk == 7 { try decoder.expect(fileSize: UInt64(file.count)) }
                for start in stride(from: 0, to: file.count, by: chunk) {
                    try file[start..<min(file.count, start + chunk)].withUnsafeBytes { try decoder.append($0) }
                }
                let decoded = try decoder.finish()
                #expect(decoded.dtype == dtype && decoded.shape == tensor.shape)
                #expect(decoded.storage.littleEndianBytes == Self.expected(tensor, encoding), "\(count) elements in chunks of \(chunk)")
            }
        }
    }

    @Test func encodingsAreOnlyForTypesThatCanUseThem() throws {
        #expect(TensorEncoding("f16")!.problem(for: .i32) != nil)
        #expect(TensorEncoding("f16")!.problem(for: .f16) != nil)
        #expect(TensorEncoding("shuffle")!.problem(for: .u8) != nil)
        #expect(TensorEncoding("sparse")!.problem(for: .bool) == nil)
        #expect(TensorEncoding("rot-shuffle")!.problem(for: .i32) == "rotates float elements only")
        #expect(TensorEncoding("rot-sparse")!.problem(for: .f16) == nil)
        let error = #expect(throws: GraphError.self) { try TensorDecoder(name: "w", dtype: .i8, shape: [2], encoding: TensorEncoding("shuffle")!) }
        #expect(error?.message == "tensor 'w': encoding 'shuffle' needs elements of 2 or more bytes, not i8")
        let json = #"{"format":"bale-graph","version":1,"name":"","opsets":{},"inputs":[],"outputs":[],"nodes":[],"initializers":[{"name":"w","dtype":"i64","shape":[1],"file":"t","encoding":"f16-shuffle"}],"valueTypes":{}}"#
        let layoutError = #expect(throws: GraphError.self) { try GraphCoding.decodeLayout(Array(json.utf8)) }
        #expect(layoutError?.message == "graph.json: initializer 'w' has encoding 'f16-shuffle', which stores f32 tensors only, not i64")
    }

    static let sparse = TensorEncoding("sparse")!

    /// Malformed files, each refused with one line naming the tensor, whether or not the file
    /// size was declared up front.
    @Test(arguments: [
        // 10 f32 elements: a 2-byte mask, then 4 bytes per marked element.
        ("mask marks more than follows", [0b11, 0] + [UInt8](repeating: 1, count: 4), "marks 2 non-zero elements (8 bytes), but"),
        ("mask marks fewer than follows", [0b1, 0] + [UInt8](repeating: 1, count: 8), "marks 1 non-zero elements (4 bytes), but more"),
        ("bits past the elements", [0b1, 0b100] + [UInt8](repeating: 1, count: 8), "bits set past its 10 elements"),
        ("truncated mask", [0b1], "sparse mask"),
        ("empty", [], "sparse mask"),
        ("more than every element", [0xFF, 0b11] + [UInt8](repeating: 1, count: 41), "marks 10 non-zero elements (40 bytes), but more"),
    ] as [(String, [UInt8], String)])
    func malformedSparseFilesAreRefused(_ label: String, _ file: [UInt8], _ mention: String) throws {
        for declared in [false, true] {
            do {
                var decoder = try TensorDecoder(name: "w.sparse", dtype: .f32, shape: [10], encoding: Self.sparse)
                if declared { try decoder.expect(fileSize: UInt64(file.count)) }
                try file.withUnsafeBytes { try decoder.append($0) }
                _ = try decoder.finish()
                Issue.record("\(label): accepted")
            } catch let error as GraphError {
                #expect(error.message.hasPrefix("tensor 'w.sparse'"), "\(label): \(error.message)")
                #expect(declared || error.message.contains(mention), "\(label): \(error.message)")
                #expect(!error.message.contains("\n"))
            } catch {
                Issue.record("\(label): \(error)")
            }
        }
    }

    @Test func shuffledFilesOfTheWrongSizeAreRefused() throws {
        let shuffle = TensorEncoding("f16-shuffle")!
        var decoder = try TensorDecoder(name: "w", dtype: .f32, shape: [3], encoding: shuffle)
        let error = #expect(throws: GraphError.self) { try decoder.expect(fileSize: 12) }
        #expect(error?.message == "tensor 'w' has 12 bytes, but f32[3] (f16-shuffle) needs 6")
        var long = try TensorDecoder(name: "w", dtype: .f32, shape: [3], encoding: shuffle)
        let longError = #expect(throws: GraphError.self) { try [UInt8](repeating: 0, count: 7).withUnsafeBytes { try long.append($0) } }
        #expect(longError?.message == "tensor 'w' has more than the 6 bytes f32[3] (f16-shuffle) needs")
        var short = try TensorDecoder(name: "w", dtype: .f32, shape: [3], encoding: shuffle)
        try [UInt8](repeating: 0, count: 5).withUnsafeBytes { try short.append($0) }
        let shortError = #expect(throws: GraphError.self) { try short.finish() }
        #expect(shortError?.message == "tensor 'w' has 5 bytes, but f32[3] (f16-shuffle) needs 6")
    }
}
