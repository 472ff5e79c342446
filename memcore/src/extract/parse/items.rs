//! Recognising observation payloads and normalising their items.

use super::*;

/// The observations a JSON value holds.
#[derive(Debug)]
pub(super) struct Payload {
    pub(super) items: Vec<Json>,
    pub(super) cut: Option<Cut>,
    /// The answer ended inside the payload, after its observation list.
    pub(super) truncated: bool,
}

impl Payload {
    pub(super) fn is_empty(&self) -> bool {
        self.items.is_empty() && self.cut.is_none() && !self.truncated
    }
}

/// Recognises an observation payload: an array holding objects, a wrapper object, or one
/// observation object. `level` > 0 when looking inside an unrecognised object, where empty
/// lists do not count.
pub(super) fn recognise_observations(json: Json, level: usize) -> Option<Payload> {
    match json {
        Json::Array(array) => {
            let holds_objects = array.items.iter().any(|j| matches!(j, Json::Object(_)))
                || array.cut.is_some_and(|cut| cut.item_is_object);
            let empty = array.items.is_empty() && array.cut.is_none();
            (holds_objects || (empty && level == 0)).then_some(Payload {
                items: array.items,
                cut: array.cut,
                truncated: false,
            })
        }
        Json::Object(mut object) => {
            let truncated = object.truncated;
            if let Some(inner) = object.take(WRAPPER_KEYS) {
                let payload = match inner {
                    Json::Array(array) => Payload {
                        items: array.items,
                        cut: array.cut,
                        truncated: truncated && array.cut.is_none(),
                    },
                    Json::Object(single) => single_observation(single),
                    _ => Payload {
                        items: Vec::new(),
                        cut: None,
                        truncated,
                    },
                };
                return (level == 0 || !payload.is_empty()).then_some(payload);
            }
            if object.has_any(OBSERVATION_KEYS) {
                return Some(single_observation(object));
            }
            if level == 0 && object.members.is_empty() && !truncated {
                return Some(Payload {
                    items: Vec::new(),
                    cut: None,
                    truncated: false,
                });
            }
            if level >= MAX_WRAPPER_LEVEL {
                return None;
            }
            object
                .members
                .into_iter()
                .find_map(|member| match member.value {
                    value @ (Json::Array(_) | Json::Object(_)) => {
                        recognise_observations(value, level + 1)
                    }
                    _ => None,
                })
        }
        _ => None,
    }
}

pub(super) fn single_observation(object: JsonObject) -> Payload {
    if object.truncated {
        Payload {
            items: Vec::new(),
            cut: Some(Cut {
                item: Some(0),
                item_is_object: true,
            }),
            truncated: false,
        }
    } else {
        Payload {
            items: vec![Json::Object(object)],
            cut: None,
            truncated: false,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Items

/// An item's fields as read from the answer, before normalisation.
#[derive(Debug, Default)]
pub(super) struct RawItem {
    pub(super) kind: Option<String>,
    pub(super) title: String,
    pub(super) subtitle: String,
    pub(super) narrative: String,
    pub(super) facts: Vec<String>,
    pub(super) concepts: Vec<String>,
    pub(super) files_read: Vec<String>,
    pub(super) files_modified: Vec<String>,
    pub(super) importance: Option<String>,
}

impl RawItem {
    pub(super) fn from_xml(block: &str, lower: &str) -> RawItem {
        RawItem {
            kind: xml_text(block, lower, &["type", "kind"]),
            title: xml_text(block, lower, &["title"]).unwrap_or_default(),
            subtitle: xml_text(block, lower, &["subtitle"]).unwrap_or_default(),
            narrative: xml_text(block, lower, &["narrative"]).unwrap_or_default(),
            facts: xml_list(block, lower, &["facts"], "fact", false),
            concepts: xml_list(block, lower, &["concepts"], "concept", true),
            files_read: xml_list(block, lower, &["files_read", "filesread"], "file", true),
            files_modified: xml_list(
                block,
                lower,
                &["files_modified", "filesmodified"],
                "file",
                true,
            ),
            importance: xml_text(block, lower, &["importance"]),
        }
    }

    pub(super) fn from_json(
        object: &JsonObject,
        index: usize,
        issues: &mut Vec<ParseIssue>,
    ) -> RawItem {
        let mut fields = JsonFields {
            object,
            index,
            issues,
        };
        RawItem {
            kind: fields.first_text(KIND_KEYS),
            title: fields.text(TITLE_KEYS).unwrap_or_default(),
            subtitle: fields.text(SUBTITLE_KEYS).unwrap_or_default(),
            narrative: fields.text(NARRATIVE_KEYS).unwrap_or_default(),
            facts: fields.list(FACTS_KEYS, false),
            concepts: fields.list(CONCEPTS_KEYS, true),
            files_read: fields.list(FILES_READ_KEYS, true),
            files_modified: fields.list(FILES_MODIFIED_KEYS, true),
            importance: fields.first_text(IMPORTANCE_KEYS),
        }
    }
}

/// Reads an item's members, converting types and reporting what cannot be used.
pub(super) struct JsonFields<'a> {
    pub(super) object: &'a JsonObject,
    pub(super) index: usize,
    pub(super) issues: &'a mut Vec<ParseIssue>,
}

impl JsonFields<'_> {
    /// Text: a scalar converted, a list's scalars joined by lines.
    pub(super) fn text(&mut self, aliases: &[&str]) -> Option<String> {
        let member = self.object.get(aliases)?;
        match &member.value {
            Json::Array(array) => {
                let parts: Vec<String> = array.items.iter().filter_map(Json::scalar_text).collect();
                Some(parts.join("\n"))
            }
            Json::Object(_) => {
                self.not_usable(&member.key, "an object", "text");
                None
            }
            scalar => scalar.scalar_text(),
        }
    }

    /// Text where one value is expected: a list gives its first scalar.
    pub(super) fn first_text(&mut self, aliases: &[&str]) -> Option<String> {
        let member = self.object.get(aliases)?;
        match &member.value {
            Json::Array(array) => array.items.iter().find_map(Json::scalar_text),
            Json::Object(_) => {
                self.not_usable(&member.key, "an object", "text");
                None
            }
            scalar => scalar.scalar_text(),
        }
    }

    /// A list: scalars converted, a string split (see [`split_list`]), an object entry with
    /// one text member taken as that text.
    pub(super) fn list(&mut self, aliases: &[&str], commas: bool) -> Vec<String> {
        let Some(member) = self.object.get(aliases) else {
            return Vec::new();
        };
        match &member.value {
            Json::String(text) => split_list(text, commas),
            Json::Object(_) => {
                self.not_usable(&member.key, "an object", "a list");
                Vec::new()
            }
            Json::Array(array) => {
                let mut out = Vec::with_capacity(array.items.len());
                let mut unusable = 0;
                for entry in &array.items {
                    match entry {
                        Json::Array(inner) => {
                            out.extend(inner.items.iter().filter_map(Json::scalar_text));
                        }
                        Json::Object(object) => match object.members.as_slice() {
                            [only] => match only.value.scalar_text() {
                                Some(text) => out.push(text),
                                None => unusable += 1,
                            },
                            _ => unusable += 1,
                        },
                        scalar => out.extend(scalar.scalar_text()),
                    }
                }
                if unusable > 0 {
                    self.issues.push(ParseIssue::at(
                        self.index,
                        format!(
                            "field `{}`: {unusable} entries are not text; ignored",
                            member.key
                        ),
                    ));
                }
                out
            }
            scalar => scalar.scalar_text().into_iter().collect(),
        }
    }

    pub(super) fn not_usable(&mut self, key: &str, found: &str, expected: &str) {
        self.issues.push(ParseIssue::at(
            self.index,
            format!("field `{key}` is {found}, not {expected}; ignored"),
        ));
    }
}

/// Turns raw items into observations under one mode's kinds.
pub(super) struct Normaliser<'a> {
    pub(super) kinds: &'a [ObservationKind],
    pub(super) fallback: &'a ObservationKind,
}

impl Normaliser<'_> {
    pub(super) fn json_items(&self, payload: Payload, outcome: &mut ParseOutcome) {
        let complete = payload.items.len();
        for (index, item) in payload.items.into_iter().enumerate() {
            match item {
                Json::Object(object) => {
                    let raw = RawItem::from_json(&object, index, &mut outcome.issues);
                    self.push(raw, index, outcome);
                }
                other => outcome.issues.push(ParseIssue::at(
                    index,
                    format!(
                        "is {}, not an observation object; skipped",
                        other.type_name()
                    ),
                )),
            }
        }
        match payload.cut {
            Some(Cut {
                item: Some(index), ..
            }) => outcome.issues.push(ParseIssue::at(
                index,
                "the answer was cut off inside this item; it is dropped",
            )),
            Some(Cut { item: None, .. }) => outcome.issues.push(ParseIssue::whole(format!(
                "the answer was cut off after {complete} complete items, before the JSON array closed"
            ))),
            None if payload.truncated => outcome.issues.push(ParseIssue::whole(
                "the answer was cut off after the observations, before the JSON object closed",
            )),
            None => {}
        }
    }

    pub(super) fn xml_blocks(
        &self,
        text: &str,
        lower: &str,
        first: usize,
        outcome: &mut ParseOutcome,
    ) {
        let mut next_open = Some(first);
        let mut close_cache = None;
        let mut index = 0;
        while let Some(open) = next_open {
            let Some(gt) = lower
                .get(open..)
                .and_then(|r| r.find('>'))
                .map(|o| open + o)
            else {
                self.cut_xml(index, outcome);
                return;
            };
            let content = gt + 1;
            next_open = find_open_tag(lower, content, "observation");
            if lower.as_bytes().get(gt.saturating_sub(1)) == Some(&b'/') {
                self.push(RawItem::default(), index, outcome);
                index += 1;
                continue;
            }
            let close = find_forward(&mut close_cache, lower, "</observation", content);
            let (end, resume) = match (close, next_open) {
                (Some(close), next) if next.is_none_or(|next| close < next) => {
                    let mut resume = close + "</observation".len();
                    if lower.as_bytes().get(resume) == Some(&b'>') {
                        resume += 1;
                    }
                    (close, resume)
                }
                // No closing tag before the next block: the block runs up to it.
                (_, Some(next)) => (next, next),
                (_, None) => {
                    self.cut_xml(index, outcome);
                    return;
                }
            };
            if let (Some(block), Some(block_lower)) =
                (text.get(content..end), lower.get(content..end))
            {
                self.push(RawItem::from_xml(block, block_lower), index, outcome);
            }
            index += 1;
            if next_open.is_some_and(|next| next < resume) {
                next_open = find_open_tag(lower, resume, "observation");
            }
        }
    }

    pub(super) fn cut_xml(&self, index: usize, outcome: &mut ParseOutcome) {
        outcome.issues.push(ParseIssue::at(
            index,
            "the answer was cut off inside this <observation> block; it is dropped",
        ));
    }

    pub(super) fn push(&self, raw: RawItem, index: usize, outcome: &mut ParseOutcome) {
        if let Some(observation) = self.finish(raw, index, &mut outcome.issues) {
            outcome.observations.push(observation);
        }
    }

    pub(super) fn finish(
        &self,
        raw: RawItem,
        index: usize,
        issues: &mut Vec<ParseIssue>,
    ) -> Option<NewObservation> {
        let title = one_line(&raw.title);
        let subtitle = one_line(&raw.subtitle);
        let narrative = raw.narrative.trim().to_string();
        if title.is_empty() && narrative.is_empty() {
            issues.push(ParseIssue::at(
                index,
                "has neither a title nor a narrative; skipped",
            ));
            return None;
        }
        let title = if title.is_empty() {
            derive_title(&subtitle, &narrative)
        } else {
            shorten(&title, TITLE_MAX_CHARS)
        };
        let kind = self.kind(raw.kind.as_deref(), index, issues);
        let mut concepts = Vec::with_capacity(raw.concepts.len());
        let mut seen = HashSet::new();
        for concept in raw.concepts {
            let concept = concept
                .split(':')
                .next()
                .unwrap_or_default()
                .trim()
                .to_lowercase();
            if !concept.is_empty() && concept != kind.as_str() && seen.insert(concept.clone()) {
                concepts.push(concept);
            }
        }
        let importance = raw
            .importance
            .as_deref()
            .and_then(|raw| match parse_importance(raw) {
                Ok(value) => value,
                Err(reason) => {
                    issues.push(ParseIssue::at(index, reason));
                    None
                }
            });
        Some(NewObservation {
            kind: Some(kind),
            title,
            subtitle,
            narrative,
            facts: clean_list(raw.facts, |fact: &str| fact),
            concepts,
            files_read: clean_list(raw.files_read, trim_path_quotes),
            files_modified: clean_list(raw.files_modified, trim_path_quotes),
            importance,
            ..NewObservation::default()
        })
    }

    /// The mode's kind an item names, or the fallback.
    pub(super) fn kind(
        &self,
        raw: Option<&str>,
        index: usize,
        issues: &mut Vec<ParseIssue>,
    ) -> ObservationKind {
        let name = raw
            .unwrap_or_default()
            .trim()
            .trim_matches(['[', ']', '"', '\'', '`', '*'])
            .trim();
        if name.is_empty() {
            return self.fallback.clone();
        }
        let parsed = ObservationKind::parse(name);
        if self.kinds.is_empty() {
            return parsed;
        }
        if let Some(kind) = self
            .kinds
            .iter()
            .find(|kind| **kind == parsed || kind.as_str().eq_ignore_ascii_case(parsed.as_str()))
        {
            return kind.clone();
        }
        issues.push(ParseIssue::at(
            index,
            format!("unknown kind {}; stored as {}", quote(name), self.fallback),
        ));
        self.fallback.clone()
    }
}
