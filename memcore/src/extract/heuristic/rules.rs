//! The vocabulary and patterns the heuristic extractor reads sessions with.

use super::*;

// ---------------------------------------------------------------------------------------------
// Vocabulary

/// Verbs that describe changing code, with their past tense.
#[rustfmt::skip]
pub(super) const EDIT_VERBS: &[(&str, &str)] = &[
    ("add", "Added"), ("adjust", "Adjusted"), ("append", "Appended"), ("bump", "Bumped"),
    ("change", "Changed"), ("clean", "Cleaned"), ("configure", "Configured"),
    ("convert", "Converted"), ("correct", "Corrected"), ("create", "Created"),
    ("delete", "Deleted"), ("disable", "Disabled"), ("document", "Documented"), ("drop", "Dropped"),
    ("edit", "Edited"), ("enable", "Enabled"), ("extend", "Extended"), ("extract", "Extracted"),
    ("fix", "Fixed"), ("generate", "Generated"), ("handle", "Handled"),
    ("implement", "Implemented"), ("improve", "Improved"), ("initialize", "Initialized"),
    ("insert", "Inserted"), ("introduce", "Introduced"), ("make", "Made"), ("merge", "Merged"),
    ("migrate", "Migrated"), ("modify", "Modified"), ("move", "Moved"), ("patch", "Patched"),
    ("port", "Ported"), ("refactor", "Refactored"), ("remove", "Removed"), ("rename", "Renamed"),
    ("reorganize", "Reorganized"), ("repair", "Repaired"), ("replace", "Replaced"),
    ("resolve", "Resolved"), ("restructure", "Restructured"), ("revert", "Reverted"),
    ("rewrite", "Rewrote"), ("scaffold", "Scaffolded"), ("set", "Set"), ("simplify", "Simplified"),
    ("split", "Split"), ("translate", "Translated"), ("tweak", "Tweaked"), ("update", "Updated"),
    ("upgrade", "Upgraded"), ("wire", "Wired"), ("write", "Wrote"),
];

/// Verbs that describe looking at code, with their past tense.
#[rustfmt::skip]
pub(super) const READ_VERBS: &[(&str, &str)] = &[
    ("analyze", "Analyzed"), ("analyse", "Analysed"), ("check", "Checked"), ("examine", "Examined"),
    ("explain", "Explained"), ("explore", "Explored"), ("find", "Found"), ("inspect", "Inspected"),
    ("investigate", "Investigated"), ("look", "Looked"), ("read", "Read"), ("review", "Reviewed"),
    ("search", "Searched"), ("study", "Studied"), ("summarize", "Summarized"),
];

pub(super) const FIX_VERBS: &[&str] = &["fix", "correct", "repair", "resolve"];
#[rustfmt::skip]
pub(super) const REFACTOR_VERBS: &[&str] = &[
    "refactor", "rename", "extract", "move", "restructure", "reorganize", "simplify", "split",
    "clean",
];

/// Other verbs that start a step of a request (`... and tell me what it says`).
#[rustfmt::skip]
pub(super) const OTHER_VERBS: &[&str] = &[
    "run", "commit", "stop", "test", "verify", "tell", "show", "let", "give", "say", "report",
    "print", "push", "ensure", "list", "describe", "make", "keep", "use", "try", "ask",
];

/// Words a prompt or intent may start with before its verb.
#[rustfmt::skip]
pub(super) const LEAD_INS: &[&str] = &[
    "please ", "can you ", "could you ", "would you ", "now ", "also ", "then ", "first ", "just ",
    "go ahead and ", "i want you to ", "i'd like you to ", "i need you to ", "help me ", "let's ",
    "we need to ",
];

/// Programs that run a project (its scripts, binaries, containers), not just any tool: their
/// runs are worth remembering as the project's commands even when they are not checks.
#[rustfmt::skip]
pub(super) const PROJECT_RUNNERS: &[&str] = &[
    "cargo", "go", "npm", "pnpm", "yarn", "bun", "npx", "bunx", "deno", "node", "python",
    "python3", "uv", "poetry", "make", "just", "docker", "docker-compose", "kubectl", "dotnet",
    "gradle", "gradlew", "mvn", "swift", "xcodebuild", "mix", "bundle", "rake", "rails",
    "terraform", "helm", "flutter", "zig", "cmake", "ninja", "pwsh", "tsx", "ts-node", "turbo",
    "nx", "wrangler", "vercel", "fly", "firebase", "supabase",
];

/// Shell programs whose runs say nothing worth keeping.
#[rustfmt::skip]
pub(super) const NOISE_PROGRAMS: &[&str] = &[
    "ls", "pwd", "echo", "cd", "which", "whoami", "date", "true", "false", "clear", "printf",
    "sleep", "type", "export", "source", ".", "tree", "chmod", "chown", "mkdir", "set", "unset",
    "alias", "history", "exit", "wait", "jobs", "id", "uname", "hostname", "env", "pushd", "popd",
    "basename", "dirname", "realpath", "readlink", "xargs",
];

/// Shell programs that read files (their non-flag arguments are files).
#[rustfmt::skip]
pub(super) const FILE_READERS: &[&str] = &[
    "cat", "head", "tail", "less", "more", "bat", "nl", "sed", "awk",
];

/// Shell programs that search.
pub(super) const SEARCHERS: &[&str] = &["grep", "rg", "ag", "ack", "find", "fd", "locate", "egrep"];

/// Git subcommands that only look.
#[rustfmt::skip]
pub(super) const GIT_NOISE: &[&str] = &[
    "status", "log", "diff", "show", "branch", "remote", "fetch", "rev-parse", "config", "stash",
    "blame", "ls-files", "add", "reflog", "tag", "describe", "shortlog",
];

/// Program (and subcommand) prefixes that install or scaffold rather than check.
#[rustfmt::skip]
pub(super) const SETUP_COMMANDS: &[&str] = &[
    "cargo install", "cargo add", "cargo init", "cargo new", "cargo fetch", "cargo update",
    "pip install", "pip uninstall", "pip3 install", "uv add", "uv sync", "uv pip", "uv venv",
    "uv init", "uv lock", "npm install", "npm i", "npm ci", "npm init", "pnpm install", "pnpm add",
    "yarn add", "yarn install", "bun install", "bun add", "poetry add", "poetry install", "go get",
    "go mod", "apt", "apt-get", "brew", "dnf", "yum", "apk", "gem", "bundle install", "rustup",
    "conda", "virtualenv", "python -m venv", "python -m pip", "git init", "git clone",
    "git checkout", "git switch", "git pull", "git push", "git merge", "git rebase", "git reset",
    "git restore", "git cherry-pick",
];

/// Words that mark a command as a check (test, build, lint, coverage...).
#[rustfmt::skip]
pub(super) const CHECK_WORDS: &[&str] = &[
    "test", "tests", "pytest", "jest", "vitest", "mocha", "tox", "nox", "ctest", "check", "clippy",
    "lint", "build", "tsc", "mypy", "ruff", "flake8", "pylint", "eslint", "llvm-cov", "tarpaulin",
    "coverage", "make", "just", "gradle", "mvn", "nextest", "rspec", "phpunit", "vet", "fmt",
    "format", "compile", "bazel", "typecheck", "doc",
];

// ---------------------------------------------------------------------------------------------
// Patterns

/// The compiled patterns, built once per call (memcore keeps no global state).
pub(super) struct Rules {
    pub(super) symbol: Regex,
    pub(super) intent: Regex,
    pub(super) failure: Regex,
    pub(super) errors: Vec<Regex>,
    pub(super) python_error: Regex,
    pub(super) test_names: Vec<Regex>,
    pub(super) passed: Regex,
    pub(super) next_steps: Regex,
    pub(super) decision: Regex,
    pub(super) paths: Regex,
}

impl Rules {
    pub(super) fn new() -> Rules {
        let re = |p: &str| Regex::new(p).expect("constant pattern is valid");
        Rules {
            symbol: re(
                r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:unsafe\s+)?(?:const\s+)?(?:def|fn|class|struct|enum|trait|interface|function|func|type)\s+([A-Za-z_][A-Za-z0-9_]*)",
            ),
            intent: re(
                r"(?i)\b(?:let me|let's|i'll|i will|i need to|i'm going to|i am going to|i should|we need to|we should|next,? i'll)\s+(?:(?:also|now|first|then|quickly|just|go ahead and)\s+)*([a-z]+)\b",
            ),
            failure: re(
                r"(?m)^\s*error(?:\[E\d+\])?:|\bFAILED\b|Traceback \(most recent call last\)|panicked at|^npm ERR!|^--- FAIL|^FAIL\b|\b[1-9]\d* (?:failed|errors?)\b|^Exit code [1-9]",
            ),
            errors: vec![
                re(r"^error\[E\d+\]: .+"),
                re(r"^FAILED \S+.*"),
                re(r"panicked at .+"),
                re(r"^E\s{2,}\S.*"),
                re(r"^(?:error|fatal|ERROR|Error):? .+"),
                re(r"^[^\s:]+(?::\d+){1,2}:? .+|^[^\s(]+\(\d+,\d+\): .+"),
                re(r"^npm ERR! .+"),
                re(r"^--- FAIL: .+"),
                re(r"^FAIL\b.+"),
                re(r"^test result: FAILED.*"),
                re(r"\b[1-9]\d* (?:failed|errors?)\b.*"),
            ],
            python_error: re(r"^[A-Za-z_.]*(?:Error|Exception|Exit)\b.*"),
            test_names: vec![
                re(r"^test (\S+) \.\.\. FAILED"),
                re(r"^FAILED \S+?::(\S+)"),
                re(r"^--- FAIL: (\S+)"),
                re(r"^\s*[✕×] (.+?)(?: \(\d+ ?m?s\))?$"),
            ],
            passed: re(r"(?i)\b(\d+) (?:passed|tests? passed)\b"),
            next_steps: re(
                r"(?i)\bnext steps?\b|\byou (?:could|may want to|might want to)\b|\bstill (?:need|needs|to do)\b|\bremaining\b|\bTODO\b|\bfollow[- ]up\b|\bwould be to\b",
            ),
            decision: re(
                r"(?i)\b(?:decid\w*|decision|chose|choose|prefer\w*|instead of|rather than|we will|we'll|going with|should|must|always|never|don't|do not|convention|policy|agreed)\b",
            ),
            paths: re(r"(/[A-Za-z0-9_.\-]+)+"),
        }
    }
}
