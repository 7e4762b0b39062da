import BaleRegistry
import Foundation
import Testing

@Suite struct AuthTests {
    @Test func parsesBearerChallenge() throws {
        let header = #"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push""#
        let challenge = try #require(AuthChallenge(header: header))
        #expect(challenge.scheme == "bearer")
        #expect(challenge.parameters == [
            "realm": "https://auth.example.com/token", "service": "registry.example.com", "scope": "repository:a/b:pull,push",
        ])
    }

    @Test func parsesBasicChallengeWithEscapesAndSpaces() throws {
        let challenge = try #require(AuthChallenge(header: #"Basic  realm = "say \"hi\"" , charset=UTF-8"#))
        #expect(challenge.scheme == "basic")
        #expect(challenge.parameters == ["realm": #"say "hi""#, "charset": "UTF-8"])
    }

    @Test func emptyHeaderIsNoChallenge() {
        #expect(AuthChallenge(header: "") == nil)
        #expect(AuthChallenge(header: "  ") == nil)
    }

    @Test func tokenRequestCarriesServiceScopeAndBasicAuth() throws {
        let challenge = try #require(AuthChallenge(header: #"Bearer realm="https://auth.example.com/token?x=1",service="reg""#))
        let credentials = Credentials(username: "ann", password: "s3cret")
        let request = try #require(RegistryClient.tokenRequest(for: challenge, repository: "models/digits", actions: .push, credentials: credentials))
        let url = request.url
        let items = URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? []
        #expect(url.host == "auth.example.com" && url.path == "/token")
        #expect(items.map(\.name) == ["x", "service", "scope"])
        #expect(items.first { $0.name == "scope" }?.value == "repository:models/digits:pull,push")
        #expect(items.first { $0.name == "service" }?.value == "reg")
        #expect(request.value(forHTTPHeaderField: "Authorization") == "Basic " + Data("ann:s3cret".utf8).base64EncodedString())
    }

    @Test func tokenRequestUsesTheChallengeScopesAndNoAuthWhenAnonymous() throws {
        let challenge = try #require(AuthChallenge(header: #"Bearer realm="https://a/t",scope="repository:x:pull repository:y:pull""#))
        let request = try #require(RegistryClient.tokenRequest(for: challenge, repository: "z", actions: .pull, credentials: nil))
        let scopes = URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.queryItems?.filter { $0.name == "scope" }.map(\.value)
        #expect(scopes == ["repository:x:pull", "repository:y:pull"])
        #expect(request.value(forHTTPHeaderField: "Authorization") == nil)
    }

    @Test func credentialsComeFromOptionsThenEnvironment() throws {
        let env = [Credentials.usernameVariable: "env-user", Credentials.passwordVariable: "env-pass"]
        #expect(try Credentials.resolve(username: nil, passwordFile: nil, environment: env) == Credentials(username: "env-user", password: "env-pass"))
        #expect(try Credentials.resolve(username: nil, passwordFile: nil, environment: [:]) == nil)
        #expect(throws: RegistryError.self) { try Credentials.resolve(username: "u", passwordFile: nil, environment: [:]) }
        #expect(throws: RegistryError.self) { try Credentials.resolve(username: nil, passwordFile: "/x", environment: [:]) }
    }
}
