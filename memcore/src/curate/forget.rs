//! Forgetting with undo: the observations go to the store's forget bin in one batch, and an
//! undo brings the batch back, each record embedded again (its vectors went with it).

use super::ObservationFilter;
use crate::error::{Error, Result};
use crate::model::ObservationId;
use crate::state::State;

/// The ids a forget by filter covers: every observation the filter covers. An empty
/// filter is refused: forgetting everything is not something to do by leaving a field out.
pub(crate) fn filtered_ids(
    state: &State,
    filter: &ObservationFilter,
) -> Result<Vec<ObservationId>> {
    if filter.is_empty() {
        return Err(Error::InvalidInput {
            what: "forget filter",
            reason: "give at least one of project, kind, session, since, until or query \
                     (an empty filter would forget every observation)"
                .into(),
        });
    }
    state.store.observation_ids(filter)
}

/// See [`crate::Memory::undo_forget`].
pub(crate) fn undo(state: &State, batch: i64) -> Result<Vec<ObservationId>> {
    let records = state.store.forgotten_records(batch)?;
    let mut with_vectors = Vec::with_capacity(records.len());
    for record in records {
        let vector = state.embed_observation(&record.observation)?;
        with_vectors.push((record, vector));
    }
    let restored = state.store.restore_forgotten(batch, &with_vectors)?;
    crate::sync::apply::refresh(state, &restored)?;
    Ok(restored)
}
