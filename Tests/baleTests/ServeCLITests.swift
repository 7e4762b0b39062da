import BaleTesting
import Testing

/// `bale serve` given only bundles that cannot be served exits 1 naming each (issue 9), instead
/// of answering 503 forever.
@Suite struct ServeCLITests {
    @Test func serveExitsNamingEachBundleThatFailed() throws {
        let dir = TemporaryDirectory()
        let empty = dir.write("empty.bale", [])
        let junk = dir.write("junk.bale", Array("not a bundle".utf8))
        let result = try CLITests.bale("serve", empty, junk, "--port", "0", environment: ["BALE_LOG_LEVEL": "critical"])
        #expect(result.status == 1)
        #expect(result.stderr == """
            error: none of the 2 bundles given could be served: '\(empty)': failed to load model 'empty': '\(empty)' is empty, not a bundle; \
            '\(junk)': failed to load model 'junk': '\(junk)' is not a zstd stream (starts with 6e 6f 74 20); a .bale bundle is tar compressed with zstd

            """)
    }
}
