//! Session summaries.

use super::{from_time, rfc3339};
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

/// A session summary to store. Every field is optional text.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct NewSummary {
    /// What the user asked for.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(as = "Option<_>", optional))]
    pub request: String,
    /// What was looked into.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(as = "Option<_>", optional))]
    pub investigated: String,
    /// What was learned.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(as = "Option<_>", optional))]
    pub learned: String,
    /// What was done.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(as = "Option<_>", optional))]
    pub completed: String,
    /// Where the work was heading.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(as = "Option<_>", optional))]
    pub next_steps: String,
    /// Anything else worth keeping.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(as = "Option<_>", optional))]
    pub notes: String,
}

impl From<NewSummary> for memcore::NewSummary {
    fn from(s: NewSummary) -> Self {
        memcore::NewSummary {
            request: s.request,
            investigated: s.investigated,
            learned: s.learned,
            completed: s.completed,
            next_steps: s.next_steps,
            notes: s.notes,
        }
    }
}

/// A stored session summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct Summary {
    /// Its id.
    pub id: i64,
    /// The session it summarises.
    pub session_id: String,
    /// The session's project.
    pub project: String,
    /// What the user asked for.
    pub request: String,
    /// What was looked into.
    pub investigated: String,
    /// What was learned.
    pub learned: String,
    /// What was done.
    pub completed: String,
    /// Where the work was heading.
    pub next_steps: String,
    /// Anything else worth keeping.
    pub notes: String,
    /// When it was written.
    #[serde(with = "rfc3339")]
    #[cfg_attr(test, ts(type = "string"))]
    pub created_at: SystemTime,
}

impl From<memcore::Summary> for Summary {
    fn from(s: memcore::Summary) -> Self {
        Summary {
            id: s.id,
            session_id: s.session_id,
            project: s.project,
            request: s.content.request,
            investigated: s.content.investigated,
            learned: s.content.learned,
            completed: s.content.completed,
            next_steps: s.content.next_steps,
            notes: s.content.notes,
            created_at: from_time(s.created_at),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::records::same_json;
    use crate::records::samples::T0;

    pub(crate) fn core_summary() -> memcore::Summary {
        memcore::Summary {
            id: 5,
            session_id: "s1".into(),
            project: "shop".into(),
            content: memcore::NewSummary {
                request: "fix the cart".into(),
                investigated: "rounding".into(),
                learned: "per line".into(),
                completed: "moved it".into(),
                next_steps: "tests".into(),
                notes: "none".into(),
            },
            created_at: T0,
        }
    }

    #[test]
    fn a_summary_serializes_as_the_core_does() {
        let core = core_summary();
        same_json(&core, &Summary::from(core.clone()));
        let new: NewSummary = serde_json::from_str(r#"{"learned":"x"}"#).unwrap();
        let core: memcore::NewSummary = serde_json::from_str(r#"{"learned":"x"}"#).unwrap();
        assert_eq!(memcore::NewSummary::from(new), core);
    }
}
