//! Feeds arbitrary bytes to the extraction-answer parsers: they must never panic, never hang,
//! and every observation they return must satisfy the parser's documented guarantees.

#![no_main]

use libfuzzer_sys::fuzz_target;
use memcore::ObservationKind;
use memcore::extract::parse::{TITLE_MAX_CHARS, parse_observations, parse_summary};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let kinds = ObservationKind::DEFAULTS;
    let fallback = ObservationKind::Discovery;

    let outcome = parse_observations(&text, &kinds, &fallback);
    for observation in &outcome.observations {
        assert!(!observation.title.trim().is_empty(), "empty title");
        assert!(
            observation.title.chars().count() <= TITLE_MAX_CHARS,
            "title too long"
        );
        let kind = observation.kind.as_ref();
        assert!(
            kind.is_some_and(|k| kinds.contains(k)),
            "kind outside the mode: {kind:?}"
        );
        if let Some(importance) = observation.importance {
            assert!((0.0..=1.0).contains(&importance), "importance {importance}");
        }
        for list in [
            &observation.facts,
            &observation.concepts,
            &observation.files_read,
            &observation.files_modified,
        ] {
            assert!(
                list.iter().all(|entry| !entry.is_empty()),
                "empty list entry"
            );
        }
        assert!(
            observation.concepts.iter().all(|c| !c.contains(':')),
            "concept with ':'"
        );
    }
    // Parsing is a pure function of its input.
    assert_eq!(outcome, parse_observations(&text, &kinds, &fallback));

    let _ = parse_summary(&text);
});
