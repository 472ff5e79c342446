//! The layering rules of ARCHITECTURE.md that a reading of the sources can check: `Memory`
//! is a facade that no module of the core points back up to, and the core never reads the
//! process's working directory.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, recursively.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read the source directory") {
        let path = entry.expect("read a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The core's sources, each with its path relative to `memcore/src` and its text.
fn core_sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    files.sort();
    assert!(
        files.len() > 20,
        "found only {} files under {}",
        files.len(),
        root.display()
    );
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read a source file");
            let name = path
                .strip_prefix(&root)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            (name, text)
        })
        .collect()
}

/// The lines of `text` that break a rule, by `broken`.
fn offending(text: &str, broken: impl Fn(&str) -> bool) -> Vec<String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| broken(line.trim_start()))
        .map(|(n, line)| format!("{}: {}", n + 1, line.trim()))
        .collect()
}

#[test]
fn no_core_module_points_back_up_to_memory() {
    let mut found = Vec::new();
    for (name, text) in core_sources() {
        if name == "memory.rs" || name == "lib.rs" {
            continue;
        }
        let lines = offending(&text, |line| {
            let code = !line.starts_with("//");
            code && (line.contains("crate::memory")
                || line.contains("super::memory")
                || line.starts_with("impl Memory ")
                || line.starts_with("impl Memory{")
                || line.contains("&Memory")
                || line.contains("crate::Memory"))
        });
        found.extend(lines.into_iter().map(|l| format!("{name}:{l}")));
    }
    assert!(
        found.is_empty(),
        "core modules must not use the facade (crate::memory::Memory); implement the feature \
         over crate::state::State and delegate from memory.rs:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_core_never_reads_the_working_directory() {
    let mut found = Vec::new();
    for (name, text) in core_sources() {
        let lines = offending(&text, |line| {
            !line.starts_with("//") && line.contains("current_dir")
        });
        found.extend(lines.into_iter().map(|l| format!("{name}:{l}")));
    }
    assert!(
        found.is_empty(),
        "the core must not read the process's working directory (a request names its scope; \
         the host resolves the project):\n{}",
        found.join("\n")
    );
}
