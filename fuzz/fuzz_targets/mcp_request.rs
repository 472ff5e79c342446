//! Feeds arbitrary bytes to what `memcore mcp` does with a line of its stdin: the lone
//! surrogate repair (`memcore::capture::json::repair_lone_surrogates`, as the server's stdin
//! reader applies it), then the MCP SDK's parse of a client message (rmcp, the server's own
//! transport). Nothing may panic, and the repair never turns a message the SDK reads into one
//! it does not.

#![no_main]

use libfuzzer_sys::fuzz_target;
use memcore::capture::json::repair_lone_surrogates;
use rmcp::model::ClientJsonRpcMessage;

fuzz_target!(|data: &[u8]| {
    let repaired = repair_lone_surrogates(data);
    assert_eq!(repaired.len(), data.len(), "the repair changed the length");
    let strict = serde_json::from_slice::<ClientJsonRpcMessage>(data);
    let lenient = serde_json::from_slice::<ClientJsonRpcMessage>(&repaired);
    if strict.is_ok() {
        assert!(lenient.is_ok(), "the repair broke a message the SDK reads");
    }
});
