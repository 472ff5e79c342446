//! The log file: one line per problem, appended to `memcore.log` in the data directory.
//!
//! Hooks must never write to stdout anything but their JSON answer, and what they write to
//! stderr is shown to nobody; so whatever they cannot do goes here. Writing the log never
//! fails loudly: a log that cannot be written is given up silently. When the file passes
//! [`ROTATE_BYTES`] it is renamed to `memcore.log.1` (replacing the older one), so the log
//! never holds more than about twice that.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Size at which the log is rotated.
pub const ROTATE_BYTES: u64 = 1024 * 1024;

/// An append-only log file with a tag naming who writes (`hook PostToolUse`, `extract`).
#[derive(Debug, Clone)]
pub struct Log {
    path: Option<PathBuf>,
    tag: String,
}

impl Log {
    /// A log appending to `path`, its lines tagged with `tag`.
    pub fn new(path: PathBuf, tag: impl Into<String>) -> Log {
        Log {
            path: Some(path),
            tag: tag.into(),
        }
    }

    /// A log that writes nothing (when no data directory could be found).
    pub fn disabled() -> Log {
        Log {
            path: None,
            tag: String::new(),
        }
    }

    /// Appends one line: time, pid, tag, message (newlines in it are escaped).
    pub fn line(&self, message: impl AsRef<str>) {
        let Some(path) = &self.path else {
            return;
        };
        if std::fs::metadata(path).is_ok_and(|m| m.len() > ROTATE_BYTES) {
            let mut old = path.clone().into_os_string();
            old.push(".1");
            let _ = std::fs::rename(path, old);
        }
        let now = OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default();
        // A message may quote outside text (an error a provider sent back, a hook's input):
        // the log is as private as the store.
        let message = memcore::capture::redact::redact(message.as_ref()).replace('\n', "\\n");
        let text = format!("{now} [{}] {}: {message}\n", std::process::id(), self.tag);
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Ok(mut file) = OpenOptions::new().create(true).append(true).open(path) {
            let _ = file.write_all(text.as_bytes());
        }
    }
}
