//! Sync through a folder (a synced folder, a git repository, a mounted bucket): no server.
//!
//! Each store writes only its own directory, `<folder>/memcore-sync/v1/<device_id>/`, one
//! immutable file per batch, named by the range of its sequence numbers
//! (`<from>-<to>.jsonl`, zero-padded so that names sort): one change per line, then a
//! trailer line with the count and the SHA-256 of the lines before it. A file is written
//! beside its final name as a dotfile, flushed to disk and renamed, so a reader never sees
//! half of one, and a half-arrived copy (a sync tool still at work) fails its trailer and is
//! left for the next round. Forgetting never deletes a file: a forget is a change like any
//! other, so a carrier that resurrects deleted files resurrects nothing.
//!
//! Reading, each other device's files are taken in order from where the last round stopped
//! (kept in the store per device); a gap (a file not arrived yet) stops that device's
//! reading until it arrives. Conflict copies (`*.sync-conflict-*`), dotfiles and anything not
//! named like a batch are ignored.

use memcore::{Change, Memory};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The most changes in one file.
const BATCH: usize = 1000;

/// What one round through a folder did.
#[derive(Debug, Default, Serialize)]
pub struct FolderReport {
    /// The folder.
    pub folder: PathBuf,
    /// Changes written.
    pub pushed: usize,
    /// Files written.
    pub files_written: usize,
    /// Changes read from other devices' files.
    pub pulled: usize,
    /// Changes this store did not have.
    pub new: usize,
    /// Records whose local state changed.
    pub records_changed: usize,
    /// Files left for a later round (incomplete, or after a gap), with why.
    pub waiting: Vec<String>,
}

/// The last line of a batch file.
#[derive(Debug, Serialize, Deserialize)]
struct Trailer {
    count: usize,
    sha256: String,
}

/// The line that holds the trailer.
#[derive(Debug, Serialize, Deserialize)]
struct TrailerLine {
    trailer: Trailer,
}

/// The root of memcore's files in a sync folder.
fn root(folder: &Path) -> PathBuf {
    folder.join("memcore-sync").join("v1")
}

/// The name the store knows a folder by.
pub fn target(folder: &Path) -> String {
    format!("folder:{}", folder.display())
}

/// One round: this store's new changes out, every other device's new changes in.
pub fn round(memory: &Memory, folder: &Path) -> Result<FolderReport, String> {
    if !folder.is_dir() {
        return Err(format!(
            "{}: no such folder (memcore does not create a sync folder: it may be a mount that is not there)",
            folder.display()
        ));
    }
    let folder = folder
        .canonicalize()
        .map_err(|e| format!("{}: {e}", folder.display()))?;
    let mut report = FolderReport {
        folder: folder.clone(),
        ..Default::default()
    };
    let device = memory.sync_status().map_err(|e| e.to_string())?.device_id;
    push(memory, &folder, &device, &mut report)?;
    pull(memory, &folder, &device, &mut report)?;
    Ok(report)
}

fn push(
    memory: &Memory,
    folder: &Path,
    device: &str,
    report: &mut FolderReport,
) -> Result<(), String> {
    let target = target(folder);
    let dir = root(folder).join(device);
    loop {
        let sent = memory
            .sync_status()
            .map_err(|e| e.to_string())?
            .targets
            .iter()
            .find(|t| t.target == target)
            .map_or(0, |t| t.sent_seq);
        let outbox = memory
            .sync_outbox(&target, BATCH)
            .map_err(|e| e.to_string())?;
        if outbox.upto <= sent {
            return Ok(());
        }
        if !outbox.changes.is_empty() {
            std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
            let name = format!("{:012}-{:012}.jsonl", sent + 1, outbox.upto);
            write_batch(&dir, &name, &outbox.changes)?;
            report.files_written += 1;
            report.pushed += outbox.changes.len();
        }
        // Only once the file is in place: a crash before leaves the changes to send again.
        memory
            .sync_sent(&target, outbox.upto)
            .map_err(|e| e.to_string())?;
        if !outbox.more {
            return Ok(());
        }
    }
}

/// Writes a batch file atomically: a dotfile beside it, flushed, renamed, the folder flushed.
fn write_batch(dir: &Path, name: &str, changes: &[Change]) -> Result<(), String> {
    let mut body = String::new();
    for c in changes {
        let line =
            serde_json::to_string(c).map_err(|e| format!("encode change {}: {e}", c.change_id))?;
        body.push_str(&line);
        body.push('\n');
    }
    let trailer = TrailerLine {
        trailer: Trailer {
            count: changes.len(),
            sha256: hex(&Sha256::digest(body.as_bytes())),
        },
    };
    body.push_str(&serde_json::to_string(&trailer).map_err(|e| e.to_string())?);
    body.push('\n');
    let tmp = dir.join(format!(".{name}.tmp"));
    let path = dir.join(name);
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(body.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        // The rename itself is durable once the directory is.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("write {}: {e}", path.display())
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A batch file's sequence range, from its name; `None` for anything else.
fn batch_range(name: &str) -> Option<(u64, u64)> {
    let stem = name.strip_suffix(".jsonl")?;
    let (from, to) = stem.split_once('-')?;
    let (from, to) = (from.parse::<u64>().ok()?, to.parse::<u64>().ok()?);
    (from >= 1 && to >= from).then_some((from, to))
}

/// How many changes other devices' complete files hold beyond what this store read: what the
/// next round would receive (the status shows it).
pub fn incoming(memory: &Memory, folder: &Path) -> Result<u64, String> {
    let folder = folder
        .canonicalize()
        .map_err(|e| format!("{}: {e}", folder.display()))?;
    let own = memory.sync_status().map_err(|e| e.to_string())?.device_id;
    let Ok(devices) = std::fs::read_dir(root(&folder)) else {
        return Ok(0);
    };
    let mut total = 0u64;
    for device in devices.filter_map(|e| e.ok()) {
        let Ok(name) = device.file_name().into_string() else {
            continue;
        };
        if name == own || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let done: u64 = memory
            .sync_cursor(&format!("{}#{name}", target(&folder)))
            .map_err(|e| e.to_string())?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        for file in std::fs::read_dir(device.path())
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
        {
            let fname = file.file_name().to_string_lossy().into_owned();
            if fname.starts_with('.') || fname.contains("sync-conflict") {
                continue;
            }
            if let Some((_, to)) = batch_range(&fname)
                && to > done
                && let Ok(changes) = read_batch(&file.path())
            {
                total += changes.len() as u64;
            }
        }
    }
    Ok(total)
}

fn pull(
    memory: &Memory,
    folder: &Path,
    own: &str,
    report: &mut FolderReport,
) -> Result<(), String> {
    let root = root(folder);
    let Ok(devices) = std::fs::read_dir(&root) else {
        return Ok(());
    };
    let mut devices: Vec<(String, PathBuf)> = devices
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
        .filter(|(name, _)| {
            name != own && !name.starts_with('.') && name.bytes().all(|b| b.is_ascii_hexdigit())
        })
        .collect();
    devices.sort();
    for (device, dir) in devices {
        pull_device(memory, folder, &device, &dir, report)?;
    }
    Ok(())
}

fn pull_device(
    memory: &Memory,
    folder: &Path,
    device: &str,
    dir: &Path,
    report: &mut FolderReport,
) -> Result<(), String> {
    let cursor_key = format!("{}#{device}", target(folder));
    let mut done: u64 = memory
        .sync_cursor(&cursor_key)
        .map_err(|e| e.to_string())?
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let mut files: Vec<(u64, u64, PathBuf)> = std::fs::read_dir(dir)
        .map_err(|e| format!("read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            if name.starts_with('.') || name.contains("sync-conflict") {
                return None;
            }
            let (from, to) = batch_range(&name)?;
            Some((from, to, e.path()))
        })
        .filter(|(_, to, _)| *to > done)
        .collect();
    files.sort();
    for (from, to, path) in files {
        if from > done + 1 {
            report.waiting.push(format!(
                "{}: waits for changes {}..{} of device {device}",
                path.display(),
                done + 1,
                from - 1
            ));
            break;
        }
        let changes = match read_batch(&path) {
            Ok(changes) => changes,
            Err(why) => {
                report
                    .waiting
                    .push(format!("{}: {why}; read again next round", path.display()));
                break;
            }
        };
        if let Some(bad) = changes.iter().find(|c| c.device_id != device) {
            return Err(format!(
                "{}: change {} is not of device {device} (a file in the wrong folder); nothing of it applied",
                path.display(),
                bad.change_id
            ));
        }
        let applied = memory
            .sync_apply(&changes)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        report.pulled += applied.received;
        report.new += applied.new;
        report.records_changed += applied.records_changed;
        done = to;
        memory
            .set_sync_cursor(&cursor_key, &done.to_string())
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The changes of a complete batch file; an error says why it is not (yet) readable.
fn read_batch(path: &Path) -> Result<Vec<Change>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let body_end = text.trim_end_matches('\n').rfind('\n').map_or(0, |i| i + 1);
    let (body, last) = text.split_at(body_end);
    let trailer: TrailerLine =
        serde_json::from_str(last.trim()).map_err(|_| "no trailer (incomplete)".to_owned())?;
    if hex(&Sha256::digest(body.as_bytes())) != trailer.trailer.sha256 {
        return Err("checksum mismatch (incomplete or damaged)".into());
    }
    let changes: Vec<Change> = body
        .lines()
        .enumerate()
        .map(|(i, line)| serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect::<Result<_, _>>()?;
    if changes.len() != trailer.trailer.count {
        return Err(format!(
            "{} changes, the trailer says {}",
            changes.len(),
            trailer.trailer.count
        ));
    }
    Ok(changes)
}
