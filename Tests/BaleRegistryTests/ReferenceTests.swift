import BaleRegistry
import Testing

@Suite struct ReferenceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var registry: String
        var repository: String
        var tag: String?
        var digest: String?
        var testDescription: String { text }
    }

    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    static let good: [Case] = [
        Case(text: "oci://host:5000/a/b:tag", registry: "host:5000", repository: "a/b", tag: "tag"),
        Case(text: "oci://127.0.0.1:5000/models/digits", registry: "127.0.0.1:5000", repository: "models/digits", tag: "latest"),
        Case(text: "oci://registry.example.com/x/y-z__w.v:1.0-rc_1", registry: "registry.example.com", repository: "x/y-z__w.v", tag: "1.0-rc_1"),
        Case(text: "oci://localhost/m@\(digest)", registry: "localhost", repository: "m", digest: digest),
        Case(text: "oci://[::1]:5000/m:t@\(digest)", registry: "[::1]:5000", repository: "m", tag: "t", digest: digest),
    ]

    @Test(arguments: good)
    func parses(_ c: Case) throws {
        let ref = try Reference(c.text)
        #expect(ref.registry == c.registry)
        #expect(ref.repository == c.repository)
        #expect(ref.tag == c.tag)
        #expect(ref.digest == c.digest)
        #expect(ref.tagOrDigest == (c.digest ?? c.tag))
    }

    static let bad: [(String, String)] = [
        ("http://host/a:b", "does not start with oci://"),
        ("oci://host", "no repository after the host"),
        ("oci://host:99999/a", "not a host or host:port"),
        ("oci://host/A/b", "not a repository name"),
        ("oci://host/a//b", "not a repository name"),
        ("oci://host/a-/b", "not a repository name"),
        ("oci://host/a:b:c", "not a repository name"),
        ("oci://host/a:-tag", "not a tag"),
        ("oci://host/a@sha256:abc", "not sha256: and 64 lowercase hex digits"),
        ("oci://host/a@md5:" + String(repeating: "0", count: 32), "not sha256:"),
    ]

    @Test(arguments: bad)
    func rejectsWithOneLine(_ text: String, _ why: String) {
        do {
            _ = try Reference(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.code == .badReference)
            #expect(error.message.contains(why), "\(error.message)")
            #expect(error.message.contains(text))
            #expect(!error.message.contains("\n"))
        }
    }

    @Test func describesItself() throws {
        #expect(try Reference("oci://h:1/a/b:t").description == "oci://h:1/a/b:t")
        #expect(Reference.isReference("oci://h/a") && !Reference.isReference("a.bale"))
    }
}
