//! Sessions: what a host starts and gets back.

use super::{from_time, rfc3339, to_time};
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

/// Lifecycle state of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum SessionStatus {
    /// Started and not yet ended.
    Active,
    /// Ended by the host.
    Ended,
}

impl From<memcore::SessionStatus> for SessionStatus {
    fn from(s: memcore::SessionStatus) -> Self {
        match s {
            memcore::SessionStatus::Active => SessionStatus::Active,
            memcore::SessionStatus::Ended => SessionStatus::Ended,
        }
    }
}

/// A session to start (uniffi builds it from the arguments of `Memory.start_session`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct NewSession {
    /// The host's session id.
    pub id: String,
    /// The project it belongs to (in the Node package: the working directory's project,
    /// `resolveProject()`, when absent).
    #[cfg_attr(test, ts(as = "Option<_>", optional))]
    pub project: String,
    /// The agent that runs it.
    pub agent: String,
    /// When it started; now when absent.
    #[serde(default, with = "rfc3339::option")]
    #[cfg_attr(test, ts(type = "Timestamp", optional))]
    pub started_at: Option<SystemTime>,
}

impl From<NewSession> for memcore::NewSession {
    fn from(s: NewSession) -> Self {
        memcore::NewSession {
            id: s.id,
            project: s.project,
            agent: s.agent,
            started_at: s.started_at.map(to_time),
        }
    }
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct Session {
    /// The host's session id.
    pub id: String,
    /// The project it belongs to.
    pub project: String,
    /// The agent that ran it (`claude-code`, a framework's name...).
    pub agent: String,
    /// When it started.
    #[serde(with = "rfc3339")]
    #[cfg_attr(test, ts(type = "string"))]
    pub started_at: SystemTime,
    /// When it ended, if it has.
    #[serde(default, with = "rfc3339::option")]
    #[cfg_attr(test, ts(type = "string | null"))]
    pub ended_at: Option<SystemTime>,
    /// Active or ended.
    pub status: SessionStatus,
}

impl From<memcore::Session> for Session {
    fn from(s: memcore::Session) -> Self {
        Session {
            id: s.id,
            project: s.project,
            agent: s.agent,
            started_at: from_time(s.started_at),
            ended_at: s.ended_at.map(from_time),
            status: s.status.into(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::records::same_json;
    use crate::records::samples::{T0, T1};

    pub(crate) fn core_session() -> memcore::Session {
        memcore::Session {
            id: "s1".into(),
            project: "shop".into(),
            agent: "claude-code".into(),
            started_at: T0,
            ended_at: Some(T1),
            status: memcore::SessionStatus::Ended,
        }
    }

    #[test]
    fn a_session_serializes_as_the_core_does() {
        let core = core_session();
        same_json(&core, &Session::from(core.clone()));
        let open = memcore::Session {
            ended_at: None,
            status: memcore::SessionStatus::Active,
            ..core
        };
        same_json(&open, &Session::from(open.clone()));
    }

    #[test]
    fn a_new_session_reads_what_the_core_reads() {
        let json = r#"{"id":"s","project":"p","agent":"a","started_at":"2026-11-24T10:31:00Z"}"#;
        let record: NewSession = serde_json::from_str(json).unwrap();
        let core: memcore::NewSession = serde_json::from_str(json).unwrap();
        assert_eq!(memcore::NewSession::from(record), core);
    }
}
