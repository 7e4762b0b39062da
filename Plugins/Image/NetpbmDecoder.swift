/// Decodes Netpbm gray and colour maps: PGM (`P2` ASCII, `P5` binary) and PPM (`P3`, `P6`),
/// with any maximum value up to 65535 (16-bit samples big-endian), scaled to 0-255.
enum NetpbmDecoder {
    static func decode(_ bytes: [UInt8]) throws(ImageError) -> DecodedImage {
        let kind = bytes[1]
        guard [UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "5"), UInt8(ascii: "6")].contains(kind) else {
            throw ImageError("P\(Character(UnicodeScalar(kind))) is a Netpbm kind other than PGM (P2, P5) or PPM (P3, P6)")
        }
        let channels = kind == UInt8(ascii: "3") || kind == UInt8(ascii: "6") ? 3 : 1
        let binary = kind >= UInt8(ascii: "5")
        var position = 2
        let width = try number(bytes, &position, "width")
        let height = try number(bytes, &position, "height")
        let maxValue = try number(bytes, &position, "maximum value")
        guard width > 0, height > 0, width <= 1 << 16, height <= 1 << 16, (1...65535).contains(maxValue) else {
            throw ImageError("Netpbm header says \(width)×\(height) with maximum \(maxValue); expected sizes 1-65536 and a maximum of 1-65535")
        }
        let count = width * height * channels
        if binary { position += 1 }  // the single whitespace byte after the maximum value
        // The data must be there before any memory is taken for it: a binary sample is 1 or 2
        // bytes, an ASCII one at least a digit and a separator (none after the last).
        let size = binary ? (maxValue > 255 ? 2 : 1) : 2
        let needed = binary ? count * size : 2 * count - 1
        guard bytes.count - min(position, bytes.count) >= needed else {
            throw ImageError("Netpbm data is truncated: \(bytes.count - min(position, bytes.count)) bytes for \(count) samples of at least \(binary ? size : 1) byte(s) each")
        }
        var samples = [Int]()
        samples.reserveCapacity(count)
        if binary {
            for i in 0..<count {
                let at = position + i * size
                samples.append(size == 2 ? Int(bytes[at]) << 8 | Int(bytes[at + 1]) : Int(bytes[at]))
            }
        } else {
            for _ in 0..<count { samples.append(try number(bytes, &position, "sample")) }
        }
        let pixels = try samples.map { sample throws(ImageError) -> UInt8 in
            guard sample <= maxValue else { throw ImageError("Netpbm sample \(sample) is over the maximum value \(maxValue)") }
            return UInt8((sample * 255 + maxValue / 2) / maxValue)
        }
        return DecodedImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// The next decimal number after whitespace and `#` comments.
    private static func number(_ bytes: [UInt8], _ position: inout Int, _ what: String) throws(ImageError) -> Int {
        while position < bytes.count {
            if bytes[position] == UInt8(ascii: "#") {
                while position < bytes.count, bytes[position] != 0x0A { position += 1 }
            } else if [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) {
                position += 1
            } else {
                break
            }
        }
        var value = 0, digits = 0
        while position < bytes.count, (48...57).contains(bytes[position]), digits < 9 {
            value = value * 10 + Int(bytes[position] - 48)
            position += 1
            digits += 1
        }
        guard digits > 0 else { throw ImageError("Netpbm \(what) is missing or not a number") }
        return value
    }
}
