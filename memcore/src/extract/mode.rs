//! Modes: the extraction schema as data.
//!
//! A [`Mode`] says what kinds of observation exist, which concept tags an observation may
//! carry, and every string memcore puts in an extraction prompt. The built-in [`Mode::code`]
//! (from `memcore/modes/code.json`) fits software work; a host can load its own with
//! [`Mode::from_json`] to extract, say, legal research or e-mail investigations without
//! touching memcore's code.
//!
//! The prompts are written for small, cheap models, and the system prompts hold nothing that
//! changes from one batch to the next (no project, no date), so a provider can cache them.
//!
//! # Templates
//!
//! Prompt strings may hold placeholders, filled in one pass (a value that itself contains
//! `{project}` is never expanded again):
//!
//! | prompt | placeholders |
//! |---|---|
//! | `observation_system` | `{kinds}` (one line per kind: `- name: description`), `{concepts}` (same) |
//! | `summary_system` | none |
//! | `observation_header`, `summary_header` | `{project}`, `{session_id}`, `{date}`, `{event_count}` |
//! | `observation_footer`, `summary_footer` | none |
//!
//! Any other `{name}` (lower-case letters and `_` between braces) is an error, so a typo is
//! caught when the mode is loaded; other braces (a JSON example, say) are left alone.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Error, ObservationKind, Result};

/// The built-in code mode, as shipped.
const CODE_MODE_JSON: &str = include_str!("../../modes/code.json");

/// Placeholders a system prompt about observations may use.
const OBSERVATION_SYSTEM_VARS: &[&str] = &["kinds", "concepts"];
/// Placeholders a user-prompt header may use.
const HEADER_VARS: &[&str] = &["project", "session_id", "date", "event_count"];

/// An extraction schema: observation kinds, concept tags and every prompt string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mode {
    /// The mode's name (`code`).
    pub name: String,
    /// What the mode is for, for people choosing one.
    #[serde(default)]
    pub description: String,
    /// The observation kinds an extractor may emit, in display order.
    pub kinds: Vec<KindSpec>,
    /// Knowledge-type tags an observation may carry (`how-it-works`, `gotcha`...).
    #[serde(default)]
    pub concepts: Vec<ConceptSpec>,
    /// The kind given to an observation whose kind is missing or unknown; one of `kinds`.
    pub fallback_kind: String,
    /// Every prompt string.
    pub prompts: ModePrompts,
}

/// One observation kind of a [`Mode`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindSpec {
    /// The stored name: lower-case letters, digits and `_` (`bugfix`).
    pub name: String,
    /// A display label (`Bug fix`).
    pub label: String,
    /// One line telling the model when to use it; goes into the system prompt.
    pub description: String,
}

/// One concept tag of a [`Mode`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConceptSpec {
    /// The tag: lower-case letters, digits, `-` and `_` (`how-it-works`).
    pub name: String,
    /// One line telling the model when to use it; goes into the system prompt.
    pub description: String,
}

/// The prompt strings of a [`Mode`]. See the [module docs](self) for their placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModePrompts {
    /// System prompt of an observation request: the schema, the kinds, the rules.
    pub observation_system: String,
    /// System prompt of a summary request.
    pub summary_system: String,
    /// First line of an observation request's user prompt, before the events.
    pub observation_header: String,
    /// Last line of an observation request's user prompt: a reminder of the output format.
    pub observation_footer: String,
    /// First line of a summary request's user prompt.
    pub summary_header: String,
    /// Last line of a summary request's user prompt: a reminder of the output format.
    pub summary_footer: String,
}

/// The values a user-prompt header is filled with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeaderVars<'a> {
    /// The session's project.
    pub project: &'a str,
    /// The session's id.
    pub session_id: &'a str,
    /// The date of the first event, `YYYY-MM-DD`.
    pub date: &'a str,
    /// How many events the request covers.
    pub event_count: usize,
}

impl Mode {
    /// The built-in mode for software work: kinds bugfix, feature, refactor, change,
    /// discovery, decision; fallback `change`.
    pub fn code() -> Mode {
        // The embedded file is part of the crate and checked by a unit test.
        Mode::from_json(CODE_MODE_JSON).expect("the built-in code mode is valid")
    }

    /// Loads and validates a mode from its JSON text.
    ///
    /// # Errors
    ///
    /// [`Error::Json`] when the text is not JSON; [`Error::InvalidInput`] naming the bad
    /// field (`kinds[2].label`, `fallback_kind`...) when a field is missing, unknown, of the
    /// wrong type, or breaks a rule of [`Mode::validate`].
    pub fn from_json(json: &str) -> Result<Mode> {
        let value: Value = serde_json::from_str(json).map_err(|source| Error::Json {
            context: "mode file is not valid JSON".into(),
            source,
        })?;
        let mode: Mode =
            serde_json::from_value(value.clone()).map_err(|err| Error::InvalidInput {
                what: "mode",
                reason: match locate_shape_error(&value) {
                    Some(path) => format!("field `{path}`: {err}"),
                    None => err.to_string(),
                },
            })?;
        mode.validate()?;
        Ok(mode)
    }

    /// The mode as pretty-printed JSON, loadable again with [`Mode::from_json`].
    ///
    /// # Errors
    ///
    /// [`Error::Json`] if serialization fails (it does not for a well-formed mode).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|source| Error::Json {
            context: format!("serialize mode `{}`", self.name),
            source,
        })
    }

    /// Checks the mode's rules: a non-empty name; at least one kind; kind and concept names
    /// well formed and unique; a kind name that is not an alias of a built-in kind (`fix` is
    /// stored as `bugfix`); non-empty labels and descriptions; `fallback_kind` among the
    /// kinds; every prompt non-empty, with known placeholders only.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the first field that breaks a rule.
    pub fn validate(&self) -> Result<()> {
        let fail = |field: String, reason: String| Error::InvalidInput {
            what: "mode",
            reason: format!("mode `{}`: field `{field}`: {reason}", self.name),
        };
        if self.name.trim().is_empty() {
            return Err(fail("name".into(), "must not be empty".into()));
        }
        if self.kinds.is_empty() {
            return Err(fail(
                "kinds".into(),
                "a mode needs at least one kind".into(),
            ));
        }
        for (i, kind) in self.kinds.iter().enumerate() {
            check_tag(&kind.name, false).map_err(|r| fail(format!("kinds[{i}].name"), r))?;
            let stored = ObservationKind::parse(&kind.name);
            if stored.as_str() != kind.name {
                return Err(fail(
                    format!("kinds[{i}].name"),
                    format!(
                        "`{}` is stored as `{}`; name the kind `{}`",
                        kind.name, stored, stored
                    ),
                ));
            }
            if self.kinds[..i].iter().any(|k| k.name == kind.name) {
                return Err(fail(
                    format!("kinds[{i}].name"),
                    format!("duplicate kind `{}`", kind.name),
                ));
            }
            if kind.label.trim().is_empty() {
                return Err(fail(
                    format!("kinds[{i}].label"),
                    "must not be empty".into(),
                ));
            }
            if kind.description.trim().is_empty() {
                return Err(fail(
                    format!("kinds[{i}].description"),
                    "must not be empty".into(),
                ));
            }
        }
        for (i, concept) in self.concepts.iter().enumerate() {
            check_tag(&concept.name, true).map_err(|r| fail(format!("concepts[{i}].name"), r))?;
            if self.concepts[..i].iter().any(|c| c.name == concept.name) {
                return Err(fail(
                    format!("concepts[{i}].name"),
                    format!("duplicate concept `{}`", concept.name),
                ));
            }
            if concept.description.trim().is_empty() {
                return Err(fail(
                    format!("concepts[{i}].description"),
                    "must not be empty".into(),
                ));
            }
        }
        if !self.kinds.iter().any(|k| k.name == self.fallback_kind) {
            let names: Vec<&str> = self.kinds.iter().map(|k| k.name.as_str()).collect();
            return Err(fail(
                "fallback_kind".into(),
                format!(
                    "`{}` is not one of the kinds ({})",
                    self.fallback_kind,
                    names.join(", ")
                ),
            ));
        }
        let p = &self.prompts;
        let templates: [(&str, &str, &[&str]); 6] = [
            (
                "observation_system",
                &p.observation_system,
                OBSERVATION_SYSTEM_VARS,
            ),
            ("summary_system", &p.summary_system, &[]),
            ("observation_header", &p.observation_header, HEADER_VARS),
            ("observation_footer", &p.observation_footer, &[]),
            ("summary_header", &p.summary_header, HEADER_VARS),
            ("summary_footer", &p.summary_footer, &[]),
        ];
        for (field, text, allowed) in templates {
            let field = format!("prompts.{field}");
            if text.trim().is_empty() {
                return Err(fail(field, "must not be empty".into()));
            }
            for name in placeholders(text) {
                if !allowed.contains(&name) {
                    let allowed: Vec<String> = allowed.iter().map(|a| format!("{{{a}}}")).collect();
                    let allowed = if allowed.is_empty() {
                        "none".to_string()
                    } else {
                        allowed.join(", ")
                    };
                    return Err(fail(
                        field,
                        format!("unknown placeholder `{{{name}}}` (allowed here: {allowed})"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The mode's kinds as [`ObservationKind`]s, in the mode's order.
    pub fn kinds(&self) -> Vec<ObservationKind> {
        self.kinds
            .iter()
            .map(|k| ObservationKind::parse(&k.name))
            .collect()
    }

    /// The kind given to an observation whose kind is missing or not one of the mode's.
    pub fn fallback(&self) -> ObservationKind {
        ObservationKind::parse(&self.fallback_kind)
    }

    /// The concept tags, in the mode's order.
    pub fn concept_names(&self) -> Vec<&str> {
        self.concepts.iter().map(|c| c.name.as_str()).collect()
    }

    /// The system prompt of an observation request, with its kinds and concepts filled in.
    /// The same text for every batch, so providers can cache it.
    pub fn observation_system_prompt(&self) -> String {
        let kinds = spec_lines(self.kinds.iter().map(|k| (&k.name, &k.description)));
        let concepts = spec_lines(self.concepts.iter().map(|c| (&c.name, &c.description)));
        fill(
            &self.prompts.observation_system,
            &[("kinds", &kinds), ("concepts", &concepts)],
        )
    }

    /// The system prompt of a summary request.
    pub fn summary_system_prompt(&self) -> String {
        fill(&self.prompts.summary_system, &[])
    }

    /// The first line of an observation request's user prompt.
    pub(crate) fn observation_header(&self, vars: HeaderVars<'_>) -> String {
        fill_header(&self.prompts.observation_header, vars)
    }

    /// The first line of a summary request's user prompt.
    pub(crate) fn summary_header(&self, vars: HeaderVars<'_>) -> String {
        fill_header(&self.prompts.summary_header, vars)
    }
}

impl Default for Mode {
    /// The built-in [`Mode::code`].
    fn default() -> Self {
        Mode::code()
    }
}

/// Checks a kind or concept name; returns the reason it is rejected.
fn check_tag(name: &str, allow_dash: bool) -> std::result::Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    let ok = name.chars().all(|c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || (allow_dash && c == '-')
    });
    if ok {
        Ok(())
    } else if allow_dash {
        Err(format!(
            "`{name}` may hold only lower-case letters, digits, `-` and `_`"
        ))
    } else {
        Err(format!(
            "`{name}` may hold only lower-case letters, digits and `_`"
        ))
    }
}

/// `- name: description` lines.
fn spec_lines<'a>(specs: impl Iterator<Item = (&'a String, &'a String)>) -> String {
    let lines: Vec<String> = specs
        .map(|(name, description)| format!("- {name}: {}", description.trim()))
        .collect();
    lines.join("\n")
}

fn fill_header(template: &str, vars: HeaderVars<'_>) -> String {
    let count = vars.event_count.to_string();
    fill(
        template,
        &[
            ("project", vars.project),
            ("session_id", vars.session_id),
            ("date", vars.date),
            ("event_count", &count),
        ],
    )
}

/// The placeholder names in `template`: `{name}` with `name` made of `a-z` and `_`.
fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match placeholder_at(after) {
            Some(name) => {
                names.push(name);
                rest = &after[name.len() + 1..];
            }
            None => rest = after,
        }
    }
    names
}

/// The placeholder name at the start of `text` (just after a `{`), if `text` starts with
/// `name}`.
fn placeholder_at(text: &str) -> Option<&str> {
    let end = text.find(|c: char| !(c.is_ascii_lowercase() || c == '_'))?;
    (end > 0 && text[end..].starts_with('}')).then(|| &text[..end])
}

/// Replaces each `{name}` of `vars` in `template`, in one pass; other text is kept.
fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = placeholder_at(after)
            .and_then(|name| vars.iter().find(|(n, _)| *n == name).map(|v| (name, v.1)));
        match value {
            Some((name, value)) => {
                out.push_str(value);
                rest = &after[name.len() + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Finds the field a shape error comes from, for a message that names it: the first field
/// (`kinds[2].label`) whose value has the wrong type, or the object (`kinds[2]`) that fails
/// to deserialize. `None` when the error is at the top level (its message names the field).
fn locate_shape_error(value: &Value) -> Option<String> {
    let obj = value.as_object()?;
    obj.iter().find_map(|(key, v)| match key.as_str() {
        "name" | "description" | "fallback_kind" => (!v.is_string()).then(|| key.clone()),
        "kinds" => locate_in_list::<KindSpec>(v, key),
        "concepts" => locate_in_list::<ConceptSpec>(v, key),
        "prompts" => locate_in_record::<ModePrompts>(v, key.clone()),
        _ => None,
    })
}

fn locate_in_list<T: DeserializeOwned>(value: &Value, name: &str) -> Option<String> {
    let Some(items) = value.as_array() else {
        return Some(name.to_string());
    };
    items
        .iter()
        .enumerate()
        .find_map(|(i, item)| locate_in_record::<T>(item, format!("{name}[{i}]")))
}

/// For records whose fields are all strings.
fn locate_in_record<T: DeserializeOwned>(value: &Value, path: String) -> Option<String> {
    if let Some(obj) = value.as_object()
        && let Some((key, _)) = obj.iter().find(|(_, v)| !v.is_string())
    {
        return Some(format!("{path}.{key}"));
    }
    serde_json::from_value::<T>(value.clone())
        .is_err()
        .then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::estimate;

    fn code_value() -> Value {
        serde_json::from_str(CODE_MODE_JSON).unwrap()
    }

    fn load(value: &Value) -> Result<Mode> {
        Mode::from_json(&value.to_string())
    }

    fn error_of(value: &Value) -> String {
        match load(value) {
            Ok(_) => panic!("accepted an invalid mode"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn built_in_code_mode_loads_with_the_default_kinds() {
        let mode = Mode::code();
        assert_eq!(mode.name, "code");
        assert_eq!(mode.kinds(), ObservationKind::DEFAULTS.to_vec());
        assert_eq!(mode.fallback(), ObservationKind::Change);
        assert_eq!(
            mode.concept_names(),
            [
                "how-it-works",
                "why-it-exists",
                "what-changed",
                "problem-solution",
                "gotcha",
                "pattern",
                "trade-off",
                "root-cause",
                "command",
                "open-item",
                "next-step",
                "exploration"
            ]
        );
    }

    #[test]
    fn mode_json_round_trips() {
        let mode = Mode::code();
        let json = mode.to_json().unwrap();
        assert_eq!(Mode::from_json(&json).unwrap(), mode);
    }

    #[test]
    fn built_in_system_prompts_are_short_and_complete() {
        let mode = Mode::code();
        let system = mode.observation_system_prompt();
        let tokens = estimate(&system);
        // Twelve concepts (reasons, causes, commands, open items, next steps, exploration)
        // and the rules that keep reasons whole cost about 780.
        assert!(
            tokens < 800,
            "observation system prompt costs {tokens} tokens"
        );
        for kind in &mode.kinds {
            assert!(
                system.contains(&format!("- {}: ", kind.name)),
                "{}",
                kind.name
            );
        }
        for concept in &mode.concepts {
            assert!(
                system.contains(&format!("- {}: ", concept.name)),
                "{}",
                concept.name
            );
        }
        for field in [
            "kind",
            "title",
            "subtitle",
            "narrative",
            "facts",
            "concepts",
            "files_read",
            "files_modified",
            "importance",
        ] {
            assert!(system.contains(&format!("\"{field}\"")), "{field}");
        }
        assert!(system.contains("[]"));
        assert!(!system.contains("{kinds}") && !system.contains("{concepts}"));

        let summary = mode.summary_system_prompt();
        let tokens = estimate(&summary);
        assert!(tokens < 700, "summary system prompt costs {tokens} tokens");
        for field in [
            "request",
            "investigated",
            "learned",
            "completed",
            "next_steps",
            "notes",
        ] {
            assert!(summary.contains(&format!("\"{field}\"")), "{field}");
        }
    }

    #[test]
    fn invalid_json_is_a_json_error() {
        assert!(matches!(
            Mode::from_json("{\"name\": "),
            Err(Error::Json { .. })
        ));
    }

    #[test]
    fn missing_field_is_named() {
        let mut v = code_value();
        v.as_object_mut().unwrap().remove("fallback_kind");
        assert!(error_of(&v).contains("fallback_kind"), "{}", error_of(&v));
    }

    #[test]
    fn unknown_field_is_named() {
        let mut v = code_value();
        v["fallback"] = "change".into();
        assert!(error_of(&v).contains("`fallback`"), "{}", error_of(&v));
        let mut v = code_value();
        v["kinds"][1]["lable"] = "x".into();
        let e = error_of(&v);
        assert!(e.contains("kinds[1]") && e.contains("lable"), "{e}");
    }

    #[test]
    fn wrong_type_is_named_with_its_path() {
        let mut v = code_value();
        v["kinds"][2]["label"] = 3.into();
        let e = error_of(&v);
        assert!(e.contains("`kinds[2].label`"), "{e}");
        let mut v = code_value();
        v["prompts"]["summary_footer"] = Value::Null;
        let e = error_of(&v);
        assert!(e.contains("`prompts.summary_footer`"), "{e}");
        let mut v = code_value();
        v["concepts"] = "gotcha".into();
        let e = error_of(&v);
        assert!(e.contains("`concepts`"), "{e}");
    }

    #[test]
    fn a_mode_needs_a_kind() {
        let mut v = code_value();
        v["kinds"] = Value::Array(vec![]);
        let e = error_of(&v);
        assert!(e.contains("`kinds`") && e.contains("at least one"), "{e}");
    }

    #[test]
    fn duplicate_names_are_rejected() {
        let mut v = code_value();
        v["kinds"][3]["name"] = "bugfix".into();
        let e = error_of(&v);
        assert!(
            e.contains("`kinds[3].name`") && e.contains("duplicate"),
            "{e}"
        );
        let mut v = code_value();
        v["concepts"][6]["name"] = "gotcha".into();
        let e = error_of(&v);
        assert!(
            e.contains("`concepts[6].name`") && e.contains("duplicate"),
            "{e}"
        );
    }

    #[test]
    fn malformed_names_are_rejected() {
        for bad in ["", "Bug Fix", "bug-fix"] {
            let mut v = code_value();
            v["kinds"][0]["name"] = bad.into();
            let e = error_of(&v);
            assert!(e.contains("`kinds[0].name`"), "{bad}: {e}");
        }
        let mut v = code_value();
        v["kinds"][0]["name"] = "fix".into();
        v["fallback_kind"] = "fix".into();
        let e = error_of(&v);
        assert!(e.contains("stored as `bugfix`"), "{e}");
        let mut v = code_value();
        v["concepts"][0]["name"] = "how: it works".into();
        let e = error_of(&v);
        assert!(e.contains("`concepts[0].name`"), "{e}");
    }

    #[test]
    fn empty_labels_and_descriptions_are_rejected() {
        let mut v = code_value();
        v["kinds"][1]["label"] = " ".into();
        assert!(error_of(&v).contains("`kinds[1].label`"));
        let mut v = code_value();
        v["kinds"][1]["description"] = "".into();
        assert!(error_of(&v).contains("`kinds[1].description`"));
        let mut v = code_value();
        v["concepts"][1]["description"] = "".into();
        assert!(error_of(&v).contains("`concepts[1].description`"));
        let mut v = code_value();
        v["name"] = "".into();
        assert!(error_of(&v).contains("`name`"));
    }

    #[test]
    fn fallback_must_be_a_kind() {
        let mut v = code_value();
        v["fallback_kind"] = "security_note".into();
        let e = error_of(&v);
        assert!(
            e.contains("`fallback_kind`") && e.contains("security_note") && e.contains("bugfix"),
            "{e}"
        );
    }

    #[test]
    fn every_prompt_must_be_non_empty() {
        for field in [
            "observation_system",
            "summary_system",
            "observation_header",
            "observation_footer",
            "summary_header",
            "summary_footer",
        ] {
            let mut v = code_value();
            v["prompts"][field] = "  \n".into();
            let e = error_of(&v);
            assert!(e.contains(&format!("`prompts.{field}`")), "{e}");
        }
    }

    #[test]
    fn unknown_placeholders_are_rejected() {
        let mut v = code_value();
        v["prompts"]["observation_header"] = "Project {projet}:".into();
        let e = error_of(&v);
        assert!(
            e.contains("`prompts.observation_header`") && e.contains("{projet}"),
            "{e}"
        );
        let mut v = code_value();
        v["prompts"]["summary_system"] = "Kinds: {kinds}".into();
        assert!(error_of(&v).contains("`prompts.summary_system`"));
    }

    #[test]
    fn a_custom_mode_defines_its_own_kinds() {
        let mut v = code_value();
        v["name"] = "law-study".into();
        v["kinds"] = serde_json::json!([
            {"name": "holding", "label": "Holding", "description": "what a court decided"},
            {"name": "rule", "label": "Rule", "description": "a rule of law"}
        ]);
        v["fallback_kind"] = "rule".into();
        let mode = load(&v).unwrap();
        assert_eq!(
            mode.kinds(),
            [
                ObservationKind::Other("holding".into()),
                ObservationKind::Other("rule".into())
            ]
        );
        assert!(
            mode.observation_system_prompt()
                .contains("- holding: what a court decided")
        );
    }

    #[test]
    fn fill_expands_once_and_keeps_other_braces() {
        assert_eq!(
            fill(
                "{\"a\": 1} {project} {x} {",
                &[("project", "{project}"), ("y", "z")]
            ),
            "{\"a\": 1} {project} {x} {"
        );
        assert_eq!(
            fill("a {date} b", &[("date", "2026-11-03")]),
            "a 2026-11-03 b"
        );
        assert_eq!(placeholders("{a} {\"b\"} {c_d}{"), ["a", "c_d"]);
    }

    #[test]
    fn headers_are_filled() {
        let mode = Mode::code();
        let header = mode.observation_header(HeaderVars {
            project: "memcore",
            session_id: "s1",
            date: "2026-11-03",
            event_count: 4,
        });
        assert!(
            header.contains("memcore") && header.contains("s1") && header.contains("2026-11-03")
        );
        let header = mode.summary_header(HeaderVars {
            project: "memcore",
            session_id: "s1",
            date: "2026-11-03",
            event_count: 4,
        });
        assert!(header.contains("4 events"));
    }
}
