//! Editing an observation: the new title, text or kind take the path a new observation's
//! take (trimmed, redacted, the title required), then the content hash, the token count,
//! the full-text row and the vector are made again from the result.

use super::ObservationEdit;
use crate::error::{Error, Result};
use crate::model::{Observation, ObservationId};
use crate::state::State;
use crate::sync::EditPayload;

/// See [`crate::Memory::edit_observation`].
pub(crate) fn edit(state: &State, id: ObservationId, edit: ObservationEdit) -> Result<Observation> {
    let mut obs = state
        .store
        .observations_by_id(&[id])?
        .pop()
        .ok_or_else(|| Error::NotFound {
            what: "observation",
            id: id.to_string(),
        })?;
    let redact = |s: &str| state.redactor.redact(s.trim());
    let mut logged = EditPayload::default();
    if let Some(title) = edit.title {
        let title = redact(&title);
        if title.trim().is_empty() {
            return Err(Error::InvalidInput {
                what: "observation title",
                reason: "must not be empty".into(),
            });
        }
        logged.title = Some(title.clone());
        obs.title = title;
    }
    if let Some(narrative) = edit.narrative {
        obs.narrative = redact(&narrative);
        logged.narrative = Some(obs.narrative.clone());
    }
    if let Some(kind) = edit.kind {
        logged.kind = Some(kind.clone());
        obs.kind = kind;
    }
    crate::store::seal(&mut obs);
    let vector = state.embed_observation(&obs)?;
    state
        .store
        .update_observation(&obs, vector.as_ref(), Some(&logged))?;
    Ok(obs)
}
