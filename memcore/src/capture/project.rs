//! Project identity: the one resolver used on both the write and the read path, so that what
//! a session records and what the next session recalls agree on the project's name.
//!
//! The name is, in order: an explicit name (trimmed, when not empty); else the folder name of
//! the git repository that holds the working directory, where a linked worktree resolves to
//! its main repository (so every worktree shares one memory); else the working directory's own
//! folder name; else `default`.

use std::path::{Path, PathBuf};

/// The name used when nothing else gives one.
pub const FALLBACK_PROJECT: &str = "default";

/// Resolves the project name for an optional explicit name and a working directory.
pub fn resolve(explicit: Option<&str>, cwd: &Path) -> String {
    if let Some(name) = explicit.map(str::trim).filter(|n| !n.is_empty()) {
        return name.to_owned();
    }
    let root = git_root(cwd).unwrap_or_else(|| cwd.to_owned());
    root.file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| FALLBACK_PROJECT.to_owned())
}

/// The root folder of the main repository holding `dir`, if any. Reads `.git` entries only:
/// no `git` process is started.
pub fn git_root(dir: &Path) -> Option<PathBuf> {
    for candidate in dir.ancestors() {
        let dot_git = candidate.join(".git");
        if dot_git.is_dir() {
            return Some(candidate.to_owned());
        }
        if dot_git.is_file() {
            // A linked worktree or a submodule: `.git` is a file `gitdir: <path>`.
            return Some(main_repository_of(candidate, &dot_git).unwrap_or(candidate.to_owned()));
        }
    }
    None
}

/// For a linked worktree, the main repository's root: the worktree's git dir holds a
/// `commondir` file pointing at the main `.git` directory. A submodule has none, and is its
/// own project.
fn main_repository_of(worktree: &Path, dot_git_file: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(dot_git_file).ok()?;
    let gitdir = text.lines().find_map(|l| l.strip_prefix("gitdir:"))?.trim();
    let gitdir = worktree.join(gitdir);
    let common = std::fs::read_to_string(gitdir.join("commondir")).ok()?;
    let common_dir = gitdir.join(common.trim());
    let common_dir = common_dir.canonicalize().unwrap_or(common_dir);
    if common_dir.file_name()? == ".git" {
        common_dir.parent().map(Path::to_owned)
    } else {
        // A bare repository: name the project after the repository directory.
        Some(common_dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_name_wins() {
        assert_eq!(resolve(Some(" billing "), Path::new("/tmp/x")), "billing");
    }

    #[test]
    fn blank_explicit_name_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().join("plain-folder");
        std::fs::create_dir(&work).unwrap();
        assert_eq!(resolve(Some("  "), &work), "plain-folder");
    }

    #[test]
    fn git_root_folder_names_the_project_from_any_subfolder() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("webshop");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("src/cart")).unwrap();
        assert_eq!(resolve(None, &repo.join("src/cart")), "webshop");
    }

    #[test]
    fn linked_worktree_resolves_to_its_main_repository() {
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("webshop");
        let wt_gitdir = main.join(".git/worktrees/feature-x");
        std::fs::create_dir_all(&wt_gitdir).unwrap();
        std::fs::write(wt_gitdir.join("commondir"), "../..\n").unwrap();
        let worktree = dir.path().join("webshop-feature-x");
        std::fs::create_dir_all(worktree.join("src")).unwrap();
        std::fs::write(
            worktree.join(".git"),
            format!("gitdir: {}\n", wt_gitdir.display()),
        )
        .unwrap();
        assert_eq!(resolve(None, &worktree.join("src")), "webshop");
    }

    #[test]
    fn submodule_is_its_own_project() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("vendor-lib");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(".git"), "gitdir: ../.git/modules/vendor-lib\n").unwrap();
        assert_eq!(resolve(None, &sub), "vendor-lib");
    }

    #[test]
    fn root_directory_falls_back() {
        assert_eq!(resolve(None, Path::new("/")), FALLBACK_PROJECT);
    }
}
