//! Paths: the project root and relative paths.

use super::*;

// ---------------------------------------------------------------------------------------------
// Paths

/// The directory the session's absolute file paths share, walked up out of `src/`, `tests/`
/// and similar so that a session that touched one source file still gets the project root.
pub(super) fn infer_root(events: &[&Event]) -> Option<String> {
    let mut dirs: Vec<Vec<&str>> = Vec::new();
    for event in events {
        let EventPayload::ToolUse {
            tool_name, input, ..
        } = &event.payload
        else {
            continue;
        };
        let is_dir = matches!(tool_name.as_str(), "Glob" | "Grep" | "LS");
        for key in ["file_path", "notebook_path", "path"] {
            let Some(path) = input.get(key).and_then(Value::as_str) else {
                continue;
            };
            if !path.starts_with('/') {
                continue;
            }
            let mut parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
            if !is_dir {
                parts.pop();
            }
            dirs.push(parts);
        }
    }
    let first = dirs.first()?;
    let mut common: Vec<&str> = first.clone();
    for dir in &dirs[1..] {
        let n = common.iter().zip(dir).take_while(|(a, b)| a == b).count();
        common.truncate(n);
    }
    const SOURCE_DIRS: [&str; 14] = [
        "src", "lib", "tests", "test", "app", "pkg", "cmd", "docs", "include", "scripts", "bin",
        "spec", "source", "sources",
    ];
    // The root is above the first source folder on the common path: every file edited
    // under /home/dev/shop/src/checkout has the root /home/dev/shop.
    if let Some(cut) = common.iter().skip(1).position(|d| SOURCE_DIRS.contains(d)) {
        common.truncate(cut + 1);
    }
    (!common.is_empty()).then(|| format!("/{}", common.join("/")))
}

/// `path` relative to `root` when it lies under it; `./` dropped.
pub(super) fn relative(path: &str, root: Option<&str>) -> String {
    let path = path.trim();
    if let Some(root) = root {
        if path == root {
            return ".".to_string();
        }
        if let Some(rest) = path.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
            return rest.to_string();
        }
    }
    path.strip_prefix("./").unwrap_or(path).to_string()
}

/// `text` with every `root/` prefix removed.
pub(super) fn relativize_text(text: &str, root: Option<&str>) -> String {
    match root {
        Some(root) => text.replace(&format!("{root}/"), "").replace(root, "."),
        None => text.to_string(),
    }
}
