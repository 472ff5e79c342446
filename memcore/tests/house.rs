//! House rules the code itself must keep, checked over the source tree.
//!
//! No source file of the crate holds more than 1,000 lines of code outside its tests: the
//! lines counted are those before the file's inline test module (`#[cfg(test)] mod name {`),
//! or all of them when it has none. A file that is a test module of its own (declared
//! `#[cfg(test)] mod name;` by its parent, such as `capture/redact/tests.rs`) is not counted.
//! A file past the limit is split into a module folder, one job per file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The most lines of code (outside its tests) a source file may hold.
const MAX_CODE_LINES: usize = 1_000;

/// Whether `line` (trimmed) is the `#[cfg(test)]` attribute.
fn is_cfg_test(line: &str) -> bool {
    line.trim() == "#[cfg(test)]"
}

/// The line after the attributes that start at `lines[from]`, if any.
fn item_after_attributes<'a>(lines: &[&'a str], from: usize) -> Option<&'a str> {
    lines
        .iter()
        .skip(from)
        .map(|l| l.trim())
        .find(|l| !l.starts_with("#[") && !l.is_empty())
}

/// Whether `item` declares a module by name only (`mod tests;`), returning the name.
fn out_of_line_module(item: &str) -> Option<&str> {
    let rest = item
        .strip_prefix("pub(crate) mod ")
        .or_else(|| item.strip_prefix("pub(super) mod "))
        .or_else(|| item.strip_prefix("pub mod "))
        .or_else(|| item.strip_prefix("mod "))?;
    rest.strip_suffix(';').map(str::trim)
}

/// Whether `item` opens an inline module (`mod tests {`).
fn is_inline_module(item: &str) -> bool {
    let item = item
        .trim_start_matches("pub(crate) ")
        .trim_start_matches("pub(super) ")
        .trim_start_matches("pub ");
    item.starts_with("mod ") && item.ends_with('{')
}

/// Lines of code in `source` outside its tests: the lines before its first inline test
/// module (all of them when it has none). A `#[cfg(test)]` on anything else (a helper, an
/// import, an out-of-line `mod tests;`) does not end the count.
fn code_lines(source: &str) -> usize {
    let lines: Vec<&str> = source.lines().collect();
    lines
        .iter()
        .enumerate()
        .find(|(i, line)| {
            is_cfg_test(line) && item_after_attributes(&lines, i + 1).is_some_and(is_inline_module)
        })
        .map_or(lines.len(), |(i, _)| i)
}

/// The modules `source` declares as test-only and out of line (`#[cfg(test)] mod name;`).
fn test_module_names(source: &str) -> Vec<String> {
    let lines: Vec<&str> = source.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter(|(_, line)| is_cfg_test(line))
        .filter_map(|(i, _)| item_after_attributes(&lines, i + 1).and_then(out_of_line_module))
        .map(str::to_owned)
        .collect()
}

/// The files a module declared in `file` under `name` may live in.
fn child_module_files(file: &Path, name: &str) -> [PathBuf; 2] {
    let dir = file.parent().unwrap_or(Path::new("."));
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    // `lib.rs`, `main.rs` and `mod.rs` hold their children beside them; `foo.rs` in `foo/`.
    let base = if matches!(stem, "lib" | "main" | "mod") {
        dir.to_path_buf()
    } else {
        dir.join(stem)
    };
    [
        base.join(format!("{name}.rs")),
        base.join(name).join("mod.rs"),
    ]
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("read directory {}: {e}", dir.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("read an entry of {}: {e}", dir.display()))
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Files of `dir` over the limit, with their count of code lines.
fn oversized_files(dir: &Path) -> Vec<(PathBuf, usize)> {
    let files = rust_files(dir);
    let sources: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            (path, text)
        })
        .collect();
    let test_files: BTreeSet<PathBuf> = sources
        .iter()
        .flat_map(|(path, text)| {
            test_module_names(text)
                .into_iter()
                .flat_map(|name| child_module_files(path, &name))
                .collect::<Vec<_>>()
        })
        .collect();
    sources
        .iter()
        .filter(|(path, _)| !test_files.contains(path))
        .map(|(path, text)| (path.clone(), code_lines(text)))
        .filter(|(_, n)| *n > MAX_CODE_LINES)
        .collect()
}

#[test]
fn no_source_file_holds_more_than_1000_lines_of_code() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    assert!(
        rust_files(&src).len() > 50,
        "found too few source files under {}: is this the crate's source tree?",
        src.display()
    );
    let oversized = oversized_files(&src);
    assert!(
        oversized.is_empty(),
        "files with more than {MAX_CODE_LINES} lines before their tests (split each into a \
         module folder, one job per file):\n{}",
        oversized
            .iter()
            .map(|(path, n)| format!(
                "  src/{}: {n} lines",
                path.strip_prefix(&src).unwrap_or(path).display()
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn code_lines_stop_at_the_inline_test_module_only() {
    let code = "fn a() {}\n".repeat(5);
    // An inline test module ends the count.
    let inline = format!("{code}#[cfg(test)]\nmod tests {{\n    #[test]\n    fn t() {{}}\n}}\n");
    assert_eq!(code_lines(&inline), 5);
    // So does one behind another attribute.
    let attributed = format!("{code}#[cfg(test)]\n#[allow(dead_code)]\nmod properties {{\n}}\n");
    assert_eq!(code_lines(&attributed), 5);
    // An out-of-line test module, a test-only helper or import does not: the code after
    // them still counts.
    let declared = format!("#[cfg(test)]\nmod tests;\n{code}");
    assert_eq!(code_lines(&declared), 7);
    let helper = format!("#[cfg(test)]\nuse std::fmt;\n#[cfg(test)]\nfn helper() {{}}\n{code}");
    assert_eq!(code_lines(&helper), 9);
    // No tests: every line counts.
    assert_eq!(code_lines(&code), 5);
}

#[test]
fn test_only_files_are_found_from_their_declaration() {
    let source = "mod scan;\n#[cfg(test)]\nmod tests;\n#[cfg(test)]\nmod inline {\n}\n";
    assert_eq!(test_module_names(source), ["tests"]);
    assert_eq!(
        child_module_files(Path::new("src/capture/redact/mod.rs"), "tests"),
        [
            PathBuf::from("src/capture/redact/tests.rs"),
            PathBuf::from("src/capture/redact/tests/mod.rs"),
        ]
    );
    assert_eq!(
        child_module_files(Path::new("src/store/vectors.rs"), "tests")[0],
        PathBuf::from("src/store/vectors/tests.rs")
    );
}

#[test]
fn an_oversized_file_is_reported_and_a_test_file_is_not() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let long = "fn f() {}\n".repeat(MAX_CODE_LINES + 1);
    let fine = "fn f() {}\n".repeat(MAX_CODE_LINES);
    std::fs::write(
        dir.path().join("lib.rs"),
        "mod big;\nmod fine;\n#[cfg(test)]\nmod tests;\n",
    )
    .expect("write lib.rs");
    std::fs::write(dir.path().join("big.rs"), &long).expect("write big.rs");
    std::fs::write(
        dir.path().join("fine.rs"),
        format!("{fine}#[cfg(test)]\nmod tests {{\n{long}}}\n"),
    )
    .expect("write fine.rs");
    std::fs::write(dir.path().join("tests.rs"), &long).expect("write tests.rs");
    let oversized = oversized_files(dir.path());
    assert_eq!(
        oversized,
        [(dir.path().join("big.rs"), MAX_CODE_LINES + 1)],
        "only big.rs is over the limit"
    );
}
