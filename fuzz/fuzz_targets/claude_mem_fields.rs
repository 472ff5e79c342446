//! Feeds arbitrary text to the readers of claude-mem's list and time columns: they must
//! never panic, never return empty or untrimmed items, never repeat a name, and return times
//! between 1970 and 9999.

#![no_main]

use libfuzzer_sys::fuzz_target;
use memcore::portable::claude_mem::{ListField, parse_list, parse_time};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for field in [ListField::Facts, ListField::Names] {
        let items = parse_list(&text, field);
        for item in &items {
            assert!(!item.is_empty(), "empty item");
            assert_eq!(item.trim(), item, "untrimmed item {item:?}");
        }
        if field == ListField::Names {
            let mut unique = items.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), items.len(), "a name twice");
        }
        assert_eq!(parse_list(&text, field), items, "not a pure function");
    }
    let epoch = data
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .map(i64::from_le_bytes);
    for t in [
        parse_time(epoch, Some(&text)),
        parse_time(None, Some(&text)),
    ]
    .into_iter()
    .flatten()
    {
        assert!((1970..=9999).contains(&t.year()), "year {}", t.year());
    }
});
