// The Swift counterpart of the Python suite's main flow; run with `swift test` where a Swift
// toolchain exists (not on Debian 12, where scripts/check-swift.sh only checks generation).
import Foundation
import XCTest
@testable import Memcore

final class CannedLlm: LlmClient {
    func complete(request: ExtractionRequest) throws -> LlmResponse {
        LlmResponse(
            text: #"[{"type": "bugfix", "title": "Coupon applied once in cart_total", "files_modified": ["src/cart.swift"]}]"#,
            usage: Usage(model: "canned", promptTokens: 100, completionTokens: 20)
        )
    }
}

final class FailingLlm: LlmClient {
    func complete(request: ExtractionRequest) throws -> LlmResponse {
        throw MemcoreError.Callback(message: "model is down")
    }
}

final class MemcoreTests: XCTestCase {
    func temporaryStore() throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("memcore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("memory.db").path
    }

    func testFullFlow() throws {
        let mem = try Memory(path: try temporaryStore())
        _ = try mem.startSession(sessionId: "s1", project: "webshop", agent: "swift-agent", startedAt: nil)
        _ = try mem.recordUserPrompt(sessionId: "s1", text: "Fix the coupon total in the cart")
        _ = try mem.recordToolUse(sessionId: "s1", toolName: "Edit",
                                  inputJson: #"{"file_path": "src/cart.swift"}"#,
                                  output: "updated", toolUseId: "toolu_1")
        let run = try mem.extractPending(client: CannedLlm())
        XCTAssertEqual(run.observationsStored, 1)
        let context = try mem.sessionContext(project: "webshop")
        XCTAssertTrue(context.text.contains("Coupon applied once"))
        let hits = try mem.search(query: "coupon", project: "webshop")
        XCTAssertEqual(hits.first?.observation.filesModified, ["src/cart.swift"])
        mem.close()
    }

    func testErrors() throws {
        let mem = try Memory(path: try temporaryStore())
        XCTAssertThrowsError(try mem.endSession(sessionId: "nope")) { error in
            guard case MemcoreError.NotFound(let message) = error else {
                return XCTFail("expected NotFound, got \(error)")
            }
            XCTAssertTrue(message.contains("nope"))
        }
        _ = try mem.startSession(sessionId: "s1", project: "p", agent: "a", startedAt: nil)
        _ = try mem.recordUserPrompt(sessionId: "s1", text: "hello")
        let run = try mem.extractPending(client: FailingLlm())
        XCTAssertGreaterThan(run.failures, 0)
    }
}
