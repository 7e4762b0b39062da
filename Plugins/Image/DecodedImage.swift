/// An 8-bit image as decoded: `width × height` pixels, `channels` (1 gray, 3 RGB) values each,
/// row by row.
package struct DecodedImage: Sendable, Hashable {
    var width: Int
    var height: Int
    var channels: Int
    var pixels: [UInt8]

    /// Decodes PNG, or binary or ASCII PGM/PPM (P2, P3, P5, P6), telling them apart by their
    /// first bytes.
    /// - Throws: an ``ImageError`` saying what is wrong with the bytes.
    package static func decode(_ bytes: [UInt8]) throws(ImageError) -> DecodedImage {
        if bytes.starts(with: PNGDecoder.signature) { return try PNGDecoder.decode(bytes) }
        if bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), (UInt8(ascii: "2")...UInt8(ascii: "6")).contains(bytes[1]) {
            return try NetpbmDecoder.decode(bytes)
        }
        let head = bytes.prefix(4).map { String($0, radix: 16) }.joined(separator: " ")
        throw ImageError("is neither PNG nor PGM/PPM (it starts with bytes \(head.isEmpty ? "nothing" : head))")
    }

    /// The pixels as floats 0-255 with `channels` values each: gray from RGB by the BT.601
    /// luma weights (0.299 R + 0.587 G + 0.114 B), RGB from gray by repeating it.
    func floats(channels target: Int) -> [Float] {
        let count = width * height
        if target == channels { return pixels.map(Float.init) }
        var out = [Float](repeating: 0, count: count * target)
        for i in 0..<count {
            if target == 1 {
                let r = Float(pixels[3 * i]), g = Float(pixels[3 * i + 1]), b = Float(pixels[3 * i + 2])
                out[i] = 0.299 * r + 0.587 * g + 0.114 * b
            } else {
                let v = Float(pixels[i])
                out[3 * i] = v
                out[3 * i + 1] = v
                out[3 * i + 2] = v
            }
        }
        return out
    }
}

/// Why image bytes could not be decoded; the image plugin prefixes its name.
package struct ImageError: Error, Sendable, CustomStringConvertible {
    package var description: String
    init(_ description: String) { self.description = description }
}
