//! The program the hooks run must outlive the install command. `npx memcore install
//! claude-code` and `uvx --from pymemcore memcore install claude-code` run memcore from a
//! package manager's cache (`~/.npm/_npx/<hash>/…`, `~/.cache/uv/…`), which `npm cache` or
//! `uv cache clean` may delete at any time; hooks naming it would then fail on every event.
//! Such a binary is copied to `<data dir>/bin/` (beside the store) and the hooks name the
//! copy; a binary anywhere else (a global npm install, a pipx or venv install, cargo's bin)
//! is used where it is.

use crate::error::{CliError, CliResult};
use std::path::{Path, PathBuf};

/// Path parts that mark a package manager's cache or a one-off run.
const TRANSIENT: [&[&str]; 5] = [
    &["_npx"],           // npx
    &[".cache", "uv"],   // uvx (Linux)
    &["Caches", "uv"],   // uvx (macOS)
    &["uv", "cache"],    // uvx (Windows: %LOCALAPPDATA%\uv\cache)
    &["pipx", ".cache"], // pipx run
];

/// Whether `exe` lies in a package manager's cache (see the module's documentation).
pub fn is_transient(exe: &Path) -> bool {
    let parts: Vec<&str> = exe
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    TRANSIENT
        .iter()
        .any(|marker| parts.windows(marker.len()).any(|w| w == *marker))
}

/// The program the hooks should run for the binary `exe`: `exe` itself, or, when it lies in
/// a cache, a copy in `data_dir/bin` (made or refreshed now, atomically) and `true`.
pub fn lasting(exe: &Path, data_dir: &Path) -> CliResult<(PathBuf, bool)> {
    if !is_transient(exe) {
        return Ok((exe.to_owned(), false));
    }
    let dir = data_dir.join("bin");
    std::fs::create_dir_all(&dir).map_err(|e| CliError::io("create", &dir, e))?;
    let name = exe.file_name().unwrap_or_else(|| "memcore".as_ref());
    let target = dir.join(name);
    let mut tmp = target.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::copy(exe, &tmp).map_err(|e| CliError::io("copy memcore to", &tmp, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| CliError::io("make executable", &tmp, e))?;
    }
    // Renamed over the old copy: a hook running it keeps the file it opened.
    std::fs::rename(&tmp, &target).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        CliError::io("replace", &target, e)
    })?;
    Ok((target, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_are_recognised() {
        for transient in [
            "/home/a/.npm/_npx/4f3c/node_modules/memcore-linux-x64-gnu/bin/memcore",
            "/home/a/.cache/uv/archive-v0/Xy12/bin/memcore",
            "/Users/a/Library/Caches/uv/archive-v0/Xy12/bin/memcore",
            "/home/a/.local/pipx/.cache/0a1b/bin/memcore",
        ] {
            assert!(is_transient(Path::new(transient)), "{transient}");
        }
        for lasting in [
            "/usr/local/lib/node_modules/memcore-linux-x64-gnu/bin/memcore",
            "/home/a/.local/bin/memcore",
            "/home/a/.local/pipx/venvs/pymemcore/bin/memcore",
            "/home/a/.cargo/bin/memcore",
            "/home/a/proj/node_modules/memcore-linux-x64-gnu/bin/memcore",
        ] {
            assert!(!is_transient(Path::new(lasting)), "{lasting}");
        }
    }

    #[test]
    fn a_cached_binary_is_copied_beside_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join(".npm/_npx/abc/bin");
        std::fs::create_dir_all(&cache).unwrap();
        let exe = cache.join("memcore");
        std::fs::write(&exe, b"binary v1").unwrap();
        let data = dir.path().join("data");
        let (program, copied) = lasting(&exe, &data).unwrap();
        assert!(copied);
        assert_eq!(program, data.join("bin/memcore"));
        assert_eq!(std::fs::read(&program).unwrap(), b"binary v1");
        // A newer version replaces the copy.
        std::fs::write(&exe, b"binary v2").unwrap();
        lasting(&exe, &data).unwrap();
        assert_eq!(std::fs::read(&program).unwrap(), b"binary v2");
        // Anywhere else, the binary is used where it is.
        let (same, copied) = lasting(&data.join("bin/memcore"), &data).unwrap();
        assert_eq!((same, copied), (data.join("bin/memcore"), false));
    }
}
