/// File names for model outputs written by `bale run --output-dir`.
///
/// An output name is kept as is when it only uses `A-Z a-z 0-9 . _ -` and is not `.` or `..`;
/// every other byte (UTF-8) is written as `%XX` (uppercase hex), and `.npy` is appended. So
/// `logits/out:0` becomes `logits%2Fout%3A0.npy`, `..` becomes `%2E%2E.npy` and the empty name
/// `%.npy`; names never escape the output directory and never collide.
public enum OutputFileName {
    /// The file name for output `name`.
    public static func forOutput(_ name: String) -> String {
        if name.isEmpty { return "%.npy" }
        if name == "." || name == ".." { return String(repeating: "%2E", count: name.count) + ".npy" }
        var out = ""
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out + ".npy"
    }
}
