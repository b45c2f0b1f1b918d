//! The JSON problem format of docs/design.md §3, used by the CLI, the fixtures and the tests.
//!
//! ```json
//! { "scores": [0.91, 0.35], "slots": 10, "position_weights": [1.0, 0.63],
//!   "constraints": [{ "name": "jobs_top5", "items": [3, 17], "top": 5, "max": 2,
//!                     "penalty": 10.0 }] }
//! ```
//!
//! Parsing is strict — unknown keys, wrong types and contradictory fields are errors — and
//! every error names the field (`constraints[1].items[4]`), so a typo never silently
//! changes the problem. Numbers are then checked by [`Problem::validate`] with the same
//! field paths.

use serde_json::{json, Map, Value};

use crate::problem::{Members, Problem, Rule, SlotProfile, Slots};
use crate::solution::Solution;

/// A problem read from JSON, owning its numbers. [`ProblemData::rules`] and
/// [`ProblemData::problem`] give the borrowed [`Problem`] the solver takes.
#[derive(Clone, Debug, PartialEq)]
pub struct ProblemData {
    /// One score per item.
    pub scores: Vec<f64>,
    /// Slot count, if given.
    pub slots: Option<usize>,
    /// Position weights, if given (at least `slots` of them when both are given).
    pub position_weights: Option<Vec<f64>>,
    /// The rules, in input order.
    pub rules: Vec<RuleData>,
}

/// One rule as read from JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleData {
    /// `"name"`, empty when absent.
    pub name: String,
    /// `"items"` or `"coefficients"`.
    pub members: MembersData,
    /// `"top"`, `"exposure"` or neither (whole slate).
    pub profile: SlotProfile,
    /// `"max"`.
    pub max: Option<f64>,
    /// `"min"`.
    pub min: Option<f64>,
    /// `"penalty"`.
    pub penalty: Option<f64>,
}

/// Owned form of [`Members`].
#[derive(Clone, Debug, PartialEq)]
pub enum MembersData {
    /// Member indices.
    Items(Vec<usize>),
    /// One coefficient per item.
    Coefficients(Vec<f64>),
}

/// A JSON document that is not a problem: the field at fault and what is wrong with it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct JsonError {
    /// Where, as in `constraints[1].top` (`$` for the document itself).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

fn error(path: impl Into<String>, message: impl Into<String>) -> JsonError {
    JsonError { path: path.into(), message: message.into() }
}

impl ProblemData {
    /// Parses a problem from JSON text.
    pub fn from_json(text: &str) -> Result<Self, JsonError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| error("$", format!("not valid JSON ({e})")))?;
        Self::from_value(&value)
    }

    /// Reads a problem from a parsed JSON value.
    pub fn from_value(value: &Value) -> Result<Self, JsonError> {
        let obj = value.as_object().ok_or_else(|| error("$", "must be a JSON object"))?;
        reject_unknown(obj, "", &["scores", "slots", "position_weights", "constraints"])?;
        let scores =
            number_array(obj.get("scores").ok_or_else(|| error("scores", "is required"))?, "scores")?;
        let slots = match obj.get("slots") {
            None | Some(Value::Null) => None,
            Some(v) => Some(index(v, "slots")?),
        };
        let position_weights = match obj.get("position_weights") {
            None | Some(Value::Null) => None,
            Some(v) => Some(number_array(v, "position_weights")?),
        };
        match (slots, &position_weights) {
            (None, None) => return Err(error("slots", "is required unless position_weights is given")),
            (Some(m), Some(w)) if m > w.len() => {
                return Err(error("slots", format!("{m} slots but only {} position_weights", w.len())))
            }
            _ => {}
        }
        let rules = match obj.get("constraints") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(k, v)| rule(v, &format!("constraints[{k}]")))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(error("constraints", "must be an array")),
        };
        Ok(ProblemData { scores, slots, position_weights, rules })
    }

    /// The problem as JSON in the format [`ProblemData::from_json`] reads.
    pub fn to_json(&self) -> Value {
        let mut out = json!({ "scores": self.scores });
        if let Some(m) = self.slots {
            out["slots"] = json!(m);
        }
        if let Some(w) = &self.position_weights {
            out["position_weights"] = json!(w);
        }
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|r| {
                let mut rule = json!({ "name": r.name });
                match &r.members {
                    MembersData::Items(items) => rule["items"] = json!(items),
                    MembersData::Coefficients(c) => rule["coefficients"] = json!(c),
                }
                match r.profile {
                    SlotProfile::Top(d) => rule["top"] = json!(d),
                    SlotProfile::Exposure => rule["exposure"] = json!(true),
                    SlotProfile::WholeSlate => {}
                }
                for (key, v) in [("max", r.max), ("min", r.min), ("penalty", r.penalty)] {
                    if let Some(v) = v {
                        rule[key] = json!(v);
                    }
                }
                rule
            })
            .collect();
        out["constraints"] = json!(rules);
        out
    }

    /// The rules in borrowed form, to pass to [`ProblemData::problem`].
    pub fn rules(&self) -> Vec<Rule<'_>> {
        self.rules
            .iter()
            .map(|r| Rule {
                name: &r.name,
                members: match &r.members {
                    MembersData::Items(items) => Members::Items(items),
                    MembersData::Coefficients(c) => Members::Coefficients(c),
                },
                profile: r.profile,
                max: r.max,
                min: r.min,
                penalty: r.penalty,
            })
            .collect()
    }

    /// The problem, borrowing from `self` and from `rules` (made by [`ProblemData::rules`]).
    pub fn problem<'a>(&'a self, rules: &'a [Rule<'a>]) -> Problem<'a> {
        let slots = match (&self.position_weights, self.slots) {
            (Some(w), Some(m)) => Slots::Weights(&w[..m]),
            (Some(w), None) => Slots::Weights(w),
            (None, m) => Slots::Count(m.unwrap_or(0)),
        };
        Problem::new(&self.scores, slots).with_rules(rules)
    }
}

fn reject_unknown(obj: &Map<String, Value>, path: &str, known: &[&str]) -> Result<(), JsonError> {
    match obj.keys().find(|key| !known.contains(&key.as_str())) {
        None => Ok(()),
        Some(key) => {
            let field = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            Err(error(field, format!("unknown field (expected one of: {})", known.join(", "))))
        }
    }
}

const NOT_A_NUMBER: &str = "must be a number";
const NOT_AN_INDEX: &str = "must be a whole number ≥ 0";

fn number(v: &Value, path: &str) -> Result<f64, JsonError> {
    v.as_f64().ok_or_else(|| error(path, NOT_A_NUMBER))
}

// The array readers name an element's path only when it is wrong: formatting
// `scores[i]` for every element was three quarters of reading a 100,000-item problem.
fn number_array(v: &Value, path: &str) -> Result<Vec<f64>, JsonError> {
    let items = v.as_array().ok_or_else(|| error(path, "must be an array of numbers"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, x)| x.as_f64().ok_or_else(|| error(format!("{path}[{i}]"), NOT_A_NUMBER)))
        .collect()
}

fn as_index(v: &Value) -> Option<usize> {
    v.as_u64().and_then(|x| usize::try_from(x).ok())
}

fn index(v: &Value, path: &str) -> Result<usize, JsonError> {
    as_index(v).ok_or_else(|| error(path, NOT_AN_INDEX))
}

fn optional_number(obj: &Map<String, Value>, key: &str, path: &str) -> Result<Option<f64>, JsonError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => number(v, &format!("{path}.{key}")).map(Some),
    }
}

fn rule(v: &Value, path: &str) -> Result<RuleData, JsonError> {
    let obj = v.as_object().ok_or_else(|| error(path, "must be an object"))?;
    reject_unknown(
        obj,
        path,
        &["name", "items", "coefficients", "top", "exposure", "max", "min", "penalty"],
    )?;
    let name = match obj.get("name") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(error(format!("{path}.name"), "must be a string")),
    };
    let members = match (obj.get("items"), obj.get("coefficients")) {
        (Some(items), None) => {
            let p = format!("{path}.items");
            let list = items.as_array().ok_or_else(|| error(&p, "must be an array of item indices"))?;
            MembersData::Items(
                list.iter()
                    .enumerate()
                    .map(|(i, x)| as_index(x).ok_or_else(|| error(format!("{p}[{i}]"), NOT_AN_INDEX)))
                    .collect::<Result<_, _>>()?,
            )
        }
        (None, Some(c)) => MembersData::Coefficients(number_array(c, &format!("{path}.coefficients"))?),
        (Some(_), Some(_)) => return Err(error(path, "give \"items\" or \"coefficients\", not both")),
        (None, None) => return Err(error(path, "needs \"items\" or \"coefficients\"")),
    };
    let exposure = match obj.get("exposure") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(error(format!("{path}.exposure"), "must be true or false")),
    };
    let profile = match (obj.get("top"), exposure) {
        (None | Some(Value::Null), false) => SlotProfile::WholeSlate,
        (None | Some(Value::Null), true) => SlotProfile::Exposure,
        (Some(top), false) => SlotProfile::Top(index(top, &format!("{path}.top"))?),
        (Some(_), true) => return Err(error(path, "give \"top\" or \"exposure\", not both")),
    };
    Ok(RuleData {
        name,
        members,
        profile,
        max: optional_number(obj, "max", path)?,
        min: optional_number(obj, "min", path)?,
        penalty: optional_number(obj, "penalty", path)?,
    })
}

/// Solve times over repeated solves, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SolveTimes {
    /// Fastest solve.
    pub min: u64,
    /// Median solve.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
}

impl SolveTimes {
    /// Min, median and 99th percentile of `samples` (sorted in place); zeros when empty.
    pub fn from_samples(samples: &mut [u64]) -> Self {
        samples.sort_unstable();
        let at = |q: f64| {
            if samples.is_empty() {
                0
            } else {
                samples[((samples.len() - 1) as f64 * q).round() as usize]
            }
        };
        SolveTimes { min: at(0.0), p50: at(0.5), p99: at(0.99) }
    }
}

/// The solution as the JSON output of docs/design.md §3.
pub fn solution_to_json(data: &ProblemData, solution: &Solution, times: SolveTimes) -> Value {
    let finite = |x: f64| if x.is_finite() { json!(x) } else { Value::Null };
    let lottery: Vec<Value> =
        solution.lottery().map(|r| json!({"probability": r.probability, "ranking": r.items})).collect();
    let rules: Vec<Value> = data
        .rules
        .iter()
        .zip(solution.rules())
        .map(|(r, o)| {
            json!({
                "name": r.name,
                "value": finite(o.value),
                "dual": finite(o.dual),
                "violation": finite(o.violation),
            })
        })
        .collect();
    let stats = solution.stats();
    let mut out = json!({
        "status": solution.status().as_str(),
        "objective": finite(solution.objective()),
        "bound": finite(solution.bound()),
        "gap": finite(solution.gap()),
        "relative_gap": finite(solution.relative_gap()),
        "lottery": lottery,
        "rules": rules,
        "stats": {
            "iterations": stats.iterations,
            "phase1_iterations": stats.phase1_iterations,
            "inner_solves": stats.inner_solves,
            "assignment_solves": stats.assignment_solves,
            "warm_started_assignments": stats.warm_started_assignments,
            "pattern_assignments": stats.pattern_assignments,
            "mispricings": stats.mispricings,
            "line_search_evaluations": stats.line_search_evaluations,
            "line_search_cutoffs": stats.line_search_cutoffs,
            "master_pivots": stats.master_pivots,
            "column_purges": stats.column_purges,
            "edges": stats.edges,
            "screened_items": stats.screened_items,
            "dynamically_screened_items": stats.dynamically_screened_items,
            "working_set_growths": stats.working_set_growths,
            "solve_ns": {"min": times.min, "p50": times.p50, "p99": times.p99},
        },
    });
    if let Some(ray) = solution.infeasibility_ray() {
        out["infeasibility_ray"] = json!(ray);
    }
    if let Some(message) = solution.message() {
        out["message"] = json!(message);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        ProblemData::from_json(text).unwrap_err().to_string()
    }

    #[test]
    fn reads_every_field() {
        let d = ProblemData::from_json(
            r#"{"scores":[1,2,3],"position_weights":[1,0.5,0.25],"slots":2,
                "constraints":[{"name":"a","items":[0,2],"top":2,"max":1,"penalty":3},
                               {"coefficients":[0.5,-1,0],"exposure":true,"min":-1},
                               {"items":[1],"min":0,"max":1}]}"#,
        )
        .unwrap();
        assert_eq!(d.slots, Some(2));
        assert_eq!(d.rules[0].profile, SlotProfile::Top(2));
        assert_eq!(d.rules[0].penalty, Some(3.0));
        assert_eq!(d.rules[1].profile, SlotProfile::Exposure);
        assert_eq!(d.rules[1].members, MembersData::Coefficients(vec![0.5, -1.0, 0.0]));
        assert_eq!(d.rules[2].profile, SlotProfile::WholeSlate);
        let rules = d.rules();
        assert_eq!(d.problem(&rules).slate_len(), 2);
    }

    #[test]
    fn errors_name_the_field() {
        assert!(err("[1]").starts_with("$:"));
        assert!(err("{").starts_with("$: not valid JSON"));
        assert!(err(r#"{"slots":2}"#).starts_with("scores: is required"));
        assert!(err(r#"{"scores":[1,"x"],"slots":2}"#).starts_with("scores[1]:"));
        assert!(err(r#"{"scores":[1]}"#).starts_with("slots:"));
        assert!(err(r#"{"scores":[1],"slots":-1}"#).starts_with("slots:"));
        assert!(err(r#"{"scores":[1],"slots":3,"position_weights":[1]}"#).starts_with("slots:"));
        assert!(err(r#"{"scores":[1],"slots":1,"constraint":[]}"#).starts_with("constraint: unknown field"));
        let c = |rule: &str| err(&format!(r#"{{"scores":[1,2],"slots":1,"constraints":[{rule}]}}"#));
        assert!(c(r#"{"items":[0],"coefficients":[1,2],"max":1}"#).starts_with("constraints[0]: give"));
        assert!(c(r#"{"max":1}"#).starts_with("constraints[0]: needs"));
        assert!(c(r#"{"items":[0.5],"max":1}"#).starts_with("constraints[0].items[0]:"));
        assert!(c(r#"{"items":[1,-3],"max":1}"#).starts_with("constraints[0].items[1]: must be a whole"));
        assert!(c(r#"{"coefficients":[1,null],"max":1}"#)
            .starts_with("constraints[0].coefficients[1]: must be a number"));
        assert!(c(r#"{"items":[0],"top":-2,"max":1}"#).starts_with("constraints[0].top:"));
        assert!(c(r#"{"items":[0],"top":2,"exposure":true,"max":1}"#).starts_with("constraints[0]: give"));
        assert!(c(r#"{"items":[0],"max":"1"}"#).starts_with("constraints[0].max:"));
        assert!(c(r#"{"items":[0],"max":1,"weight":2}"#).starts_with("constraints[0].weight: unknown"));
    }

    #[test]
    fn writes_what_it_reads() {
        let text = r#"{"scores":[1,2,3],"position_weights":[1,0.5,0.25],"slots":2,
                "constraints":[{"name":"a","items":[0,2],"top":2,"max":1,"penalty":3},
                               {"name":"","coefficients":[0.5,-1,0],"exposure":true,"min":-1},
                               {"name":"c","items":[1],"min":0,"max":1}]}"#;
        let d = ProblemData::from_json(text).unwrap();
        assert_eq!(ProblemData::from_value(&d.to_json()).unwrap(), d);
    }

    #[test]
    fn percentiles() {
        let t = SolveTimes::from_samples(&mut [5, 1, 3, 2, 4]);
        assert_eq!(t, SolveTimes { min: 1, p50: 3, p99: 5 });
        assert_eq!(SolveTimes::from_samples(&mut []), SolveTimes { min: 0, p50: 0, p99: 0 });
    }
}
