//! Shell command lines: split into commands, their programs, kinds and display forms.

use super::*;

/// One simple command of a shell line: its words and the files it redirects output to.
#[derive(Debug, Default, Clone)]
pub(super) struct Segment {
    pub(super) words: Vec<String>,
    pub(super) writes: Vec<String>,
}

/// Splits a shell line into simple commands, honouring quotes, skipping heredoc bodies and
/// collecting output redirections. Never fails; odd input gives odd words.
pub(super) fn split_shell(command: &str) -> Vec<Segment> {
    let chars: Vec<char> = command.chars().collect();
    let mut segments = Vec::new();
    let mut seg = Segment::default();
    let mut word = String::new();
    let mut in_word = false;
    let mut redirect: Option<bool> = None; // Some(is_output) while reading a target
    let mut heredoc: Option<String> = None;
    let mut reading_heredoc = false;
    let mut i = 0;
    let end_word = |word: &mut String,
                    in_word: &mut bool,
                    seg: &mut Segment,
                    redirect: &mut Option<bool>,
                    heredoc: &mut Option<String>,
                    reading_heredoc: &mut bool| {
        if !*in_word {
            return;
        }
        let w = std::mem::take(word);
        *in_word = false;
        if *reading_heredoc {
            *heredoc = Some(w.trim_start_matches('-').to_string());
            *reading_heredoc = false;
        } else if let Some(is_output) = redirect.take() {
            if is_output {
                seg.writes.push(w);
            }
        } else {
            seg.words.push(w);
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' => {
                in_word = true;
                let quote = c;
                i += 1;
                while i < chars.len() && chars[i] != quote {
                    if quote == '"' && chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                    }
                    word.push(chars[i]);
                    i += 1;
                }
            }
            '\\' if i + 1 < chars.len() => {
                in_word = true;
                if chars[i + 1] != '\n' {
                    word.push(chars[i + 1]);
                }
                i += 1;
            }
            ' ' | '\t' => end_word(
                &mut word,
                &mut in_word,
                &mut seg,
                &mut redirect,
                &mut heredoc,
                &mut reading_heredoc,
            ),
            '\n' | ';' | '|' | '&' => {
                end_word(
                    &mut word,
                    &mut in_word,
                    &mut seg,
                    &mut redirect,
                    &mut heredoc,
                    &mut reading_heredoc,
                );
                if c == '&' && seg.words.is_empty() && chars.get(i.wrapping_sub(1)) == Some(&'>') {
                    // `>&2` style: not a separator.
                } else {
                    segments.push(std::mem::take(&mut seg));
                }
                if c == '\n'
                    && let Some(delimiter) = heredoc.take()
                {
                    // Skip the heredoc body up to its delimiter line.
                    let rest: String = chars[i + 1..].iter().collect();
                    let mut consumed = 0;
                    for line in rest.split_inclusive('\n') {
                        consumed += line.chars().count();
                        if line.trim() == delimiter {
                            break;
                        }
                    }
                    i += consumed;
                }
                while i + 1 < chars.len() && matches!(chars[i + 1], '|' | '&') {
                    i += 1;
                }
            }
            '>' | '<' => {
                if in_word && word.chars().all(|d| d.is_ascii_digit()) {
                    word.clear();
                    in_word = false;
                }
                end_word(
                    &mut word,
                    &mut in_word,
                    &mut seg,
                    &mut redirect,
                    &mut heredoc,
                    &mut reading_heredoc,
                );
                if c == '<' && chars.get(i + 1) == Some(&'<') {
                    i += 1;
                    reading_heredoc = true;
                } else {
                    while chars.get(i + 1) == Some(&'>') {
                        i += 1;
                    }
                    if chars.get(i + 1) == Some(&'&') {
                        // `2>&1`, `>&2`: a descriptor, not a file.
                        i += 1;
                        while chars
                            .get(i + 1)
                            .is_some_and(|d| d.is_ascii_digit() || *d == '-')
                        {
                            i += 1;
                        }
                    } else {
                        redirect = Some(c == '>');
                    }
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
        i += 1;
    }
    end_word(
        &mut word,
        &mut in_word,
        &mut seg,
        &mut redirect,
        &mut heredoc,
        &mut reading_heredoc,
    );
    segments.push(seg);
    segments.retain(|s| !s.words.is_empty() || !s.writes.is_empty());
    segments
}

/// The words of a simple command from its program on: without leading variable
/// assignments and wrappers (`sudo`, `env`, `time`, `timeout 60`...), and with
/// `python -m X`, `uv run X`, `npx X`... reduced to `X`.
pub(super) fn program_words(words: &[String]) -> Vec<String> {
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        let assignment = w.contains('=') && !w.starts_with('-') && !w.starts_with('=');
        let wrapper = matches!(
            w,
            "sudo" | "env" | "time" | "nice" | "nohup" | "command" | "exec"
        );
        if assignment || wrapper {
            i += 1;
        } else if w == "timeout" {
            i += 2;
        } else {
            break;
        }
    }
    let mut rest: Vec<String> = words.get(i..).unwrap_or(&[]).to_vec();
    loop {
        let first = rest.first().map(|w| basename(w)).unwrap_or_default();
        let second = rest.get(1).map(String::as_str).unwrap_or("");
        let drop = match (first.as_str(), second) {
            ("python" | "python3" | "py", "-m") => 2,
            ("uv" | "poetry" | "pdm" | "hatch" | "pipenv", "run") => 2,
            ("npx" | "bunx" | "pnpx", _) => 1,
            ("pnpm" | "yarn", "exec" | "dlx") => 2,
            _ => 0,
        };
        if drop == 0 || rest.len() <= drop {
            break;
        }
        rest.drain(..drop);
    }
    rest
}

pub(super) fn basename(word: &str) -> String {
    if word.starts_with("./") || word.starts_with("../") {
        return word.to_string();
    }
    word.rsplit('/').next().unwrap_or(word).to_string()
}

pub(super) fn run_kind(words: &[String]) -> RunKind {
    let program = words.first().map(|w| basename(w)).unwrap_or_default();
    let head = match words.get(1) {
        Some(sub) => format!("{program} {sub}"),
        None => program.clone(),
    };
    let head3 = match words.get(2) {
        Some(third) => format!("{head} {third}"),
        None => head.clone(),
    };
    let setup = SETUP_COMMANDS
        .iter()
        .any(|s| *s == program || *s == head || *s == head3);
    if setup {
        return RunKind::Setup;
    }
    let checks = words.iter().take(3).any(|w| {
        let w = basename(w).to_ascii_lowercase();
        CHECK_WORDS.contains(&w.as_str())
            || w.starts_with("test")
            || w.ends_with("test")
            || w.ends_with("tests")
            || w.starts_with("lint")
    });
    if checks {
        RunKind::Check
    } else {
        RunKind::Exec
    }
}

/// Program plus subcommand (`cargo test`, `npm run build`, `pytest`).
pub(super) fn similarity_key(words: &[String]) -> String {
    let program = words.first().map(|w| basename(w)).unwrap_or_default();
    let is_sub =
        |w: &str| !w.starts_with('-') && !w.contains('/') && !w.contains('.') && !w.contains('=');
    let mut key = program.clone();
    if let Some(sub) = words.get(1).filter(|w| is_sub(w)) {
        key.push(' ');
        key.push_str(sub);
        if matches!(program.as_str(), "npm" | "pnpm" | "yarn" | "bun")
            && sub == "run"
            && let Some(script) = words.get(2).filter(|w| is_sub(w))
        {
            key.push(' ');
            key.push_str(script);
        }
    }
    key
}

/// The message of a `git commit -m "..."` (or of its heredoc), first line only.
pub(super) fn commit_message(command: &str) -> Option<String> {
    if let Some(pos) = command.find("<<") {
        let body = &command[pos..];
        let first = body.lines().nth(1)?.trim();
        if !first.is_empty() {
            return Some(first.to_string());
        }
    }
    let segments = split_shell(command);
    for seg in segments {
        let mut words = seg.words.iter();
        while let Some(w) = words.next() {
            if w == "-m" || w == "--message" {
                let msg = words.next()?;
                return msg.lines().next().map(|l| l.trim().to_string());
            }
        }
    }
    None
}

/// A command as shown in facts: first line, paths relative to the root, no `2>&1`, no
/// trailing `| tail -N` / `| head -N`, shortened.
pub(super) fn display_command(command: &str, root: Option<&str>) -> String {
    let mut lines = command.trim().lines();
    let mut shown = lines.next().unwrap_or("").to_string();
    if lines.next().is_some() {
        shown.push_str(" …");
    }
    let mut shown = relativize_text(&shown, root).replace(" 2>&1", "");
    for tail in ["| tail", "| head"] {
        if let Some(pos) = shown.rfind(tail) {
            let rest = &shown[pos + tail.len()..];
            if rest
                .trim()
                .trim_start_matches('-')
                .trim_start_matches('n')
                .trim()
                .chars()
                .all(|c| c.is_ascii_digit() || c == ' ')
            {
                shown.truncate(pos);
            }
        }
    }
    shorten(&text::one_line(&shown), 100)
}
