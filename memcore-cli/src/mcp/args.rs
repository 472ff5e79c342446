//! The arguments of one tool call, taken one by one and checked: each problem is a
//! [`ToolError::Failed`] that names the argument and says what was wrong with it.

use super::tools::ToolError;
use memcore::{MemoryRef, ObservationId};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The most ids one get_observations or forget call takes.
pub const MAX_IDS: usize = 50;

/// The arguments of one call, taken one by one and checked; [`Args::done`] refuses any left.
pub struct Args {
    tool: &'static str,
    map: Map<String, Value>,
}

impl Args {
    pub fn new(tool: &'static str, map: Map<String, Value>) -> Args {
        Args { tool, map }
    }

    pub fn invalid(&self, name: &str, problem: &str) -> ToolError {
        invalid(self.tool, name, problem)
    }

    /// The error for one value where the schema says a list.
    fn not_a_list(&self, name: &str, one: &Value) -> ToolError {
        self.invalid(
            name,
            &format!("must be a list, not {}: write [{one}]", kind_of(one)),
        )
    }

    /// The value of `name`; null counts as absent.
    fn take(&mut self, name: &str) -> Option<Value> {
        self.map.remove(name).filter(|v| !v.is_null())
    }

    pub fn string(&mut self, name: &str) -> Result<Option<String>, ToolError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => {
                Err(self.invalid(name, &format!("must be a string, not {}", kind_of(&other))))
            }
        }
    }

    /// A list of strings, as the tool's schema says: one string alone is refused.
    pub fn strings(&mut self, name: &str) -> Result<Vec<String>, ToolError> {
        match self.take(name) {
            None => Ok(Vec::new()),
            Some(Value::String(s)) => Err(self.invalid(
                name,
                &format!(
                    "must be a list of strings, not a string: write [{}]",
                    Value::String(s)
                ),
            )),
            Some(Value::Array(items)) => {
                items
                    .into_iter()
                    .map(|item| match item {
                        Value::String(s) => Ok(s),
                        other => Err(self
                            .invalid(name, &format!("must hold strings, not {}", kind_of(&other)))),
                    })
                    .collect()
            }
            Some(other) => Err(self.invalid(
                name,
                &format!("must be a list of strings, not {}", kind_of(&other)),
            )),
        }
    }

    /// A whole number in `min..=max`, `default` when absent.
    pub fn count(
        &mut self,
        name: &str,
        default: usize,
        min: usize,
        max: usize,
    ) -> Result<usize, ToolError> {
        let Some(value) = self.take(name) else {
            return Ok(default);
        };
        let n = whole(&value)
            .ok_or_else(|| self.invalid(name, &format!("must be a whole number, not {value}")))?;
        if n < min as i64 || (n as u64) > max as u64 {
            return Err(if max == usize::MAX {
                self.invalid(name, &format!("must be at least {min}, not {n}"))
            } else {
                self.invalid(name, &format!("must be from {min} to {max}, not {n}"))
            });
        }
        Ok(n as usize)
    }

    /// A number in `0..=1`, `default` when absent.
    pub fn fraction(&mut self, name: &str, default: f32) -> Result<f32, ToolError> {
        let Some(value) = self.take(name) else {
            return Ok(default);
        };
        match value.as_f64() {
            Some(x) if (0.0..=1.0).contains(&x) => Ok(x as f32),
            _ => Err(self.invalid(name, &format!("must be a number from 0 to 1, not {value}"))),
        }
    }

    /// One observation id: a positive whole number (`"#12"` and `"12"` are accepted).
    pub fn id(&mut self, name: &str) -> Result<Option<ObservationId>, ToolError> {
        let Some(value) = self.take(name) else {
            return Ok(None);
        };
        match observation_id(&value) {
            Some(id) => Ok(Some(id)),
            None => Err(self.invalid(
                name,
                &format!("must be an observation id (a positive whole number), not {value}"),
            )),
        }
    }

    /// A non-empty list of at most [`MAX_IDS`] observation ids; one id alone is refused (the
    /// schema says a list).
    pub fn ids(&mut self, name: &str) -> Result<Vec<ObservationId>, ToolError> {
        let items = match self.take(name) {
            None => {
                return Err(
                    self.invalid(name, "is missing: give observation ids, such as [12, 15]")
                );
            }
            Some(Value::Array(items)) => items,
            Some(one) => return Err(self.not_a_list(name, &one)),
        };
        if items.is_empty() {
            return Err(self.invalid(name, "is empty: give at least one observation id"));
        }
        if items.len() > MAX_IDS {
            return Err(self.invalid(
                name,
                &format!("holds {} ids; at most {MAX_IDS} a call", items.len()),
            ));
        }
        let mut ids = Vec::with_capacity(items.len());
        for item in &items {
            match observation_id(item) {
                Some(id) if !ids.contains(&id) => ids.push(id),
                Some(_) => {}
                None => {
                    return Err(self.invalid(
                        name,
                        &format!(
                            "holds {item}, which is not an observation id (a positive whole number)"
                        ),
                    ));
                }
            }
        }
        Ok(ids)
    }

    /// A non-empty list of at most [`MAX_IDS`] references: observation ids (`12`, `"#12"`) and
    /// conversation records (`"c40"`), deduplicated, in the order given.
    pub fn references(&mut self, name: &str) -> Result<Vec<MemoryRef>, ToolError> {
        let items = match self.take(name) {
            None => {
                return Err(self.invalid(
                    name,
                    "is missing: give observation ids or conversation records, such as [12, \"c40\"]",
                ));
            }
            Some(Value::Array(items)) => items,
            Some(one) => return Err(self.not_a_list(name, &one)),
        };
        if items.is_empty() {
            return Err(self.invalid(name, "is empty: give at least one id"));
        }
        if items.len() > MAX_IDS {
            return Err(self.invalid(
                name,
                &format!("holds {} ids; at most {MAX_IDS} a call", items.len()),
            ));
        }
        let mut refs = Vec::with_capacity(items.len());
        for item in &items {
            let parsed = match item {
                Value::String(s) => MemoryRef::parse(s),
                other => observation_id(other).map(MemoryRef::Observation),
            };
            match parsed {
                Some(r) if !refs.contains(&r) => refs.push(r),
                Some(_) => {}
                None => {
                    return Err(self.invalid(
                        name,
                        &format!(
                            "holds {item}, which is neither an observation id (a positive whole \
                             number) nor a conversation record (\"c\" and a number)"
                        ),
                    ));
                }
            }
        }
        Ok(refs)
    }

    /// A date (`YYYY-MM-DD`, midnight UTC; with `end_of_day`, the midnight after it) or an
    /// RFC 3339 time.
    pub fn time(
        &mut self,
        name: &str,
        end_of_day: bool,
    ) -> Result<Option<OffsetDateTime>, ToolError> {
        let Some(text) = self.string(name)? else {
            return Ok(None);
        };
        let text = text.trim();
        if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
            return Ok(Some(t));
        }
        let format = time::macros::format_description!("[year]-[month]-[day]");
        match time::Date::parse(text, &format) {
            Ok(date) => {
                let day = if end_of_day {
                    date.next_day()
                } else {
                    Some(date)
                };
                Ok(day.map(|d| d.midnight().assume_utc()))
            }
            Err(_) => Err(self.invalid(
                name,
                &format!("must be a date (YYYY-MM-DD) or an RFC 3339 time, not {text:?}"),
            )),
        }
    }

    /// Refuses any argument not taken.
    pub fn done(self) -> Result<(), ToolError> {
        let mut left: Vec<&String> = self.map.keys().collect();
        if left.is_empty() {
            return Ok(());
        }
        left.sort();
        Err(ToolError::Failed(format!(
            "{}: unknown argument{} {}",
            self.tool,
            if left.len() > 1 { "s" } else { "" },
            left.iter()
                .map(|k| format!("{k:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}

/// A message naming the argument of `tool` that was wrong.
pub fn invalid(tool: &str, name: &str, problem: &str) -> ToolError {
    ToolError::Failed(format!("{tool}: argument {name:?} {problem}"))
}

/// A JSON number that is a whole number (`3` and `3.0`), or a string of one.
fn whole(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|x| x.fract() == 0.0 && x.abs() < 9e15)
                .map(|x| x as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn observation_id(value: &Value) -> Option<ObservationId> {
    let id = match value {
        Value::String(s) => s.trim().trim_start_matches('#').parse().ok(),
        other => whole(other),
    }?;
    (id > 0).then_some(id)
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    fn args(value: Value) -> Args {
        Args::new("t", value.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn dates_are_whole_days_and_times_are_exact() {
        let mut a = args(json!({"since": "2026-11-24", "until": "2026-11-24",
                                "at": "2026-11-24T09:30:00+01:00"}));
        assert_eq!(
            a.time("since", false).unwrap(),
            Some(datetime!(2026-11-24 0:00 UTC))
        );
        // `until` a date includes that day.
        assert_eq!(
            a.time("until", true).unwrap(),
            Some(datetime!(2026-11-25 0:00 UTC))
        );
        assert_eq!(
            a.time("at", true).unwrap(),
            Some(datetime!(2026-11-24 8:30 UTC))
        );
        assert!(a.done().is_ok());
        let err = args(json!({"since": "yesterday"})).time("since", false);
        assert!(matches!(err, Err(ToolError::Failed(m)) if m.contains("\"since\"")));
    }

    #[test]
    fn numbers_are_checked() {
        let mut a = args(json!({"a": 3, "b": 3.0, "c": "3", "d": 3.5, "e": -1}));
        assert_eq!(a.count("a", 0, 0, 10).unwrap(), 3);
        assert_eq!(a.count("b", 0, 0, 10).unwrap(), 3);
        assert_eq!(a.count("c", 0, 0, 10).unwrap(), 3);
        assert!(a.count("d", 0, 0, 10).is_err());
        assert!(a.count("e", 0, 0, usize::MAX).is_err());
        assert_eq!(a.count("absent", 7, 0, 10).unwrap(), 7);
    }

    #[test]
    fn references_name_observations_and_conversation_records() {
        assert_eq!(
            args(json!({"ids": [3, "c40", "#c40", "#7"]}))
                .references("ids")
                .unwrap(),
            [
                MemoryRef::Observation(3),
                MemoryRef::Conversation(40),
                MemoryRef::Observation(7)
            ]
        );
        assert!(args(json!({"ids": ["c"]})).references("ids").is_err());
        assert!(args(json!({"ids": ["c0"]})).references("ids").is_err());
        assert!(args(json!({"ids": [true]})).references("ids").is_err());
        assert!(args(json!({"ids": []})).references("ids").is_err());
    }

    #[test]
    fn ids_are_deduplicated_and_bounded() {
        assert_eq!(
            args(json!({"ids": [1, 1, "#2", "3"]})).ids("ids").unwrap(),
            [1, 2, 3]
        );
        // The schema says a list: one value alone is refused, naming the fix.
        for one in [json!(4), json!("1")] {
            let err = args(json!({ "ids": one })).ids("ids").unwrap_err();
            let ToolError::Failed(message) = err else {
                panic!("a tool error")
            };
            assert!(message.contains("must be a list"), "{message}");
        }
        assert!(args(json!({"ids": "1"})).references("ids").is_err());
        assert!(args(json!({"files": "a.rs"})).strings("files").is_err());
        let many: Vec<i64> = (1..=51).collect();
        assert!(args(json!({"ids": many})).ids("ids").is_err());
        assert!(args(json!({"ids": [0]})).ids("ids").is_err());
        assert!(args(json!({"ids": [1.5]})).ids("ids").is_err());
    }

    #[test]
    fn arguments_left_over_are_named() {
        let mut a = args(json!({"query": "x", "zeta": 1, "alpha": null, "beta": 2}));
        assert_eq!(a.string("query").unwrap().as_deref(), Some("x"));
        let Err(ToolError::Failed(message)) = a.done() else {
            panic!("left-over arguments must be refused");
        };
        assert_eq!(
            message,
            "t: unknown arguments \"alpha\", \"beta\", \"zeta\""
        );
    }
}
