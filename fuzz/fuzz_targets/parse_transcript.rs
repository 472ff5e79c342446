//! Feeds arbitrary bytes to the Claude Code transcript parser: it must never panic or hang,
//! count every line, and only name lines that exist.

#![no_main]

use libfuzzer_sys::fuzz_target;
use memcore::capture::transcript::parse_transcript;

fuzz_target!(|data: &[u8]| {
    let transcript = parse_transcript(data).expect("reading from memory cannot fail");
    let lines = data.iter().filter(|b| **b == b'\n').count()
        + usize::from(!data.is_empty() && !data.ends_with(b"\n"));
    assert_eq!(transcript.lines, lines, "line count");
    for (line, reason) in &transcript.bad_lines {
        assert!((1..=lines).contains(line), "bad line {line} of {lines}");
        assert!(!reason.is_empty());
    }
    if let (Some(start), Some(end)) = (transcript.started_at, transcript.ended_at) {
        assert!(start <= end, "started after it ended");
    }
    let mut keys = std::collections::HashSet::new();
    for event in &transcript.events {
        assert!(!event.external_id.is_empty(), "empty idempotency key");
        assert!(
            keys.insert(&event.external_id),
            "key {} twice",
            event.external_id
        );
    }
    // Parsing is a pure function of its input.
    assert_eq!(parse_transcript(data).unwrap(), transcript);
});
