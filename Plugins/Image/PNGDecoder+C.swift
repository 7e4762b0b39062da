import CPNG

/// Decodes PNG with libpng's simplified API: every bit depth, colour type, palette and
/// interlacing, converted by libpng to 8-bit RGBA (or gray), alpha then dropped.
enum PNGDecoder {
    /// The eight bytes every PNG starts with.
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Pixels larger than this are refused before any allocation (a 16384 × 16384 RGB image).
    static let maxPixels = 1 << 28

    static func decode(_ bytes: [UInt8]) throws(ImageError) -> DecodedImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        let begun = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw error(image, "cannot be read as PNG") }
        let width = Int(image.width), height = Int(image.height)
        guard width > 0, height > 0, width * height <= maxPixels else {
            throw ImageError("PNG of \(width)×\(height) pixels is over the limit of \(maxPixels) pixels")
        }
        // Gray images stay one channel; colour ones (palette too) become RGB. Alpha is read and
        // then dropped: the colour values are kept as they are, not composited on a background.
        let color = image.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
        let channels = color ? 3 : 1
        image.format = UInt32(PNG_FORMAT_FLAG_ALPHA) | (color ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0)
        let rowBytes = (channels + 1) * width
        var buffer = [UInt8](repeating: 0, count: rowBytes * height)
        let finished = buffer.withUnsafeMutableBytes {
            png_image_finish_read(&image, nil, $0.baseAddress, Int32(rowBytes), nil)
        }
        guard finished != 0 else { throw error(image, "is damaged") }
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * channels)
        for start in stride(from: 0, to: buffer.count, by: channels + 1) {
            pixels.append(contentsOf: buffer[start..<(start + channels)])
        }
        return DecodedImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// libpng's message for the failure.
    private static func error(_ image: png_image, _ what: String) -> ImageError {
        var message = image.message
        let text = withUnsafeBytes(of: &message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return ImageError("PNG \(what): \(text.isEmpty ? "unknown libpng error" : text)")
    }
}
