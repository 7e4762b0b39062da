import BaleBundle
import BaleTesting
import Foundation
import HTTPTypes
import Testing

@testable import BaleServer

/// `bale serve` given bundles that fail to load (issue 9): with none served it stops, naming
/// each bundle and why; with some served, the others are reported as not ready.
@Suite struct StartupFailureTests {
    static let corpus = TamperedCorpusTests.directory

    @Test func onlyBadBundlesEndTheServerNamingEachOne() async throws {
        let bad = ["\(Self.corpus)/flip-graph.json.bale", "\(Self.corpus)/empty.bale"]
        let server = await TestModels.server([]) { $0.reader = TamperedCorpusTests.reader }
        let service = RepositoryService(repository: server.repository, bundles: bad, directory: nil, pollInterval: .seconds(1))
        let error = try await #require(throws: NothingServedError.self) { try await service.run() }
        #expect(error.failures.map(\.path) == bad)
        #expect(error.description.hasPrefix("none of the 2 bundles given could be served: "))
        #expect(error.description.contains("'\(bad[0])': failed to load model 'flip-graph.json': file 'graph.json' is damaged"))
        #expect(error.description.contains("'\(bad[1])': failed to load model 'empty': '\(bad[1])' is empty, not a bundle"))
        #expect(!error.description.contains("\n"))
    }

    @Test func aMixServesTheGoodAndReportsTheBadAsNotReady() async throws {
        let bad = "\(Self.corpus)/other-key-signature.bale"
        let server = await TestModels.server([TamperedCorpusTests.good, bad]) { $0.reader = TamperedCorpusTests.reader }
        let client = RouterClient(server)
        try await client.execute(uri: "/v2/models/tiny/ready", method: .get) { #expect($0.status == .ok) }
        try await client.execute(uri: "/v2/models/other-key-signature/ready", method: .get) { response in
            #expect(response.status == .serviceUnavailable)
            let message = try json(response)["error"]?.stringValue
            #expect(message?.contains("signature does not verify") == true, "\(message ?? "")")
        }
        try await client.execute(uri: "/v2/health/ready", method: .get) { #expect($0.status == .serviceUnavailable) }
        let states = server.repository.index.arrayValue?.compactMap { $0["state"]?.stringValue }
        #expect(states == ["UNAVAILABLE", "READY"])
    }
}
