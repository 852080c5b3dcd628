//! Loading suite files into [`Suite`]s: parse (serde-saphyr), check
//! everything that can be checked before a run; expected events, reply
//! constraints and abstract cases are built in `expand.rs`.
//!
//! Every error is a [`LoadError`] whose message starts with the file, line
//! and column and names the case: `suites/x.yaml:12:5: case 'foo': ...`.
//! Nothing here panics on any input: malformed YAML, alias bombs and deep
//! nesting stop at serde-saphyr's budget, huge files at [`MAX_SUITE_BYTES`].
//!
//! This module does not run cases or know about targets; the only
//! implementation it consults is the reference decoder, to refuse expected
//! events that are themselves invalid (a broken fixture, not a finding).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_saphyr::{Location as YamlLocation, Spanned};

use super::expand::{concrete_expected, expand, make_case, replies};
use super::format::{CaseFile, ExpectFile, Outcome, SuiteFile};
use super::generate::Budget;
use super::input::{CaseInput, FixtureResolver};
use super::{Case, Location, Suite};
use crate::codec::{self, Encoding, Mode};
use crate::error::LoadError;
use crate::event::SpecVersion;
use crate::rules::{Catalog, Level};
use crate::target::RAW_HTTP;
use crate::wire::Message;

/// Suite and fixture files larger than this are refused (read through a
/// limit, so a device or pipe cannot exhaust memory).
pub const MAX_SUITE_BYTES: u64 = 32 * 1024 * 1024;

/// The capability a case may require besides the encodings' own names.
pub const SPECVERSION_03: &str = "specversion-0.3";

/// Returns true when `name` is a capability a case may require: an
/// encoding name, `specversion-0.3`, `raw-http`, `webhook`, `token` or
/// `callback`.
pub fn is_known_capability(name: &str) -> bool {
    name == SPECVERSION_03
        || name == RAW_HTTP
        || name == crate::webhook::WEBHOOK
        || name == crate::webhook::TOKEN
        || name == crate::webhook::CALLBACK
        || name.parse::<Encoding>().is_ok()
}

/// Returns the encoding a receiver detects for `message`: HTTP by
/// `Content-Type` (HTTP-MODE-1..3), Kafka structured when `content-type`
/// starts with `application/cloudevents` (ASCII case ignored), a JSON
/// document by its media type.
pub fn input_encoding(message: &Message) -> Encoding {
    match message {
        Message::Http(m) => {
            match codec::http::detect_mode(m.header_values("content-type").next()) {
                Mode::Binary => Encoding::HttpBinary,
                Mode::Structured => Encoding::HttpStructured,
                Mode::Batch => Encoding::HttpBatch,
            }
        }
        Message::Kafka(r) => {
            let structured = r
                .headers
                .iter()
                .find(|(n, _)| n == codec::kafka::CONTENT_TYPE)
                .is_some_and(|(_, v)| starts_with_ignore_case(v, b"application/cloudevents"));
            if structured {
                Encoding::KafkaStructured
            } else {
                Encoding::KafkaBinary
            }
        }
        Message::Json(d) => match codec::http::detect_mode(Some(d.media_type.as_bytes())) {
            Mode::Batch => Encoding::JsonBatch,
            _ => Encoding::Json,
        },
    }
}

fn starts_with_ignore_case(text: &[u8], prefix: &[u8]) -> bool {
    text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Returns true for a suite id: `[a-z0-9-]+`.
fn is_suite_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Returns true for a case id: `[a-z0-9][a-z0-9-]*`.
fn is_case_id(id: &str) -> bool {
    id.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && is_suite_id(id)
}

/// Where an error points: a YAML location and the case it belongs to.
#[derive(Clone, Copy)]
pub(super) struct At<'a> {
    pub(super) line: u64,
    pub(super) column: u64,
    pub(super) case: Option<&'a str>,
}

impl<'a> At<'a> {
    pub(super) fn of(location: YamlLocation, case: Option<&'a str>) -> Self {
        Self {
            line: location.line(),
            column: location.column(),
            case,
        }
    }

    fn prefix(self) -> String {
        let mut out = String::new();
        if self.line > 0 {
            out.push_str(&format!("{}:{}: ", self.line, self.column));
        }
        if let Some(case) = self.case {
            out.push_str(&format!("case '{case}': "));
        }
        out
    }
}

/// What a suite is being loaded with: its path (as shown in errors), the
/// catalog, and how `*_file` names are read.
pub(super) struct Ctx<'a> {
    pub(super) path: &'a Path,
    pub(super) catalog: &'a Catalog,
    pub(super) resolve: FixtureResolver<'a>,
    /// What the file's recipes may still generate.
    pub(super) budget: RefCell<Budget>,
}

impl Ctx<'_> {
    pub(super) fn invalid(&self, at: At<'_>, message: impl std::fmt::Display) -> LoadError {
        LoadError::Invalid {
            path: self.path.to_owned(),
            message: format!("{}{message}", at.prefix()),
        }
    }
}

/// Returns the serde-saphyr options for suite files: YAML 1.2 booleans only
/// (`yes`/`on` stay strings), duplicate keys refused, default budgets.
fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
    }
}

/// Parses YAML text into `T` with the suite options; errors carry `path`, line and column.
pub fn parse_yaml<T: serde::de::DeserializeOwned>(text: &str, path: &Path) -> Result<T, LoadError> {
    serde_saphyr::from_str_with_options(text, yaml_options())
        .map_err(|e| yaml_error(&e, text, path))
}

/// Turns a serde-saphyr error into `line:col: case 'id': message` (the
/// case found by scanning back for its `- id:` line).
pub(crate) fn yaml_error(e: &serde_saphyr::Error, text: &str, path: &Path) -> LoadError {
    let rendered = e.to_string();
    let mut message = rendered.trim();
    // serde-saphyr repeats the location at the end; it is already in front.
    if let Some(i) = message.rfind(" at line ")
        && message[i + 9..]
            .split(", column ")
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    {
        message = &message[..i];
    }
    let message = clarify(message);
    let message = match e.location() {
        Some(l) if l.line() > 0 => {
            let case = case_before_line(text, l.line())
                .map(|c| format!("case '{c}': "))
                .unwrap_or_default();
            format!("{}:{}: {case}{message}", l.line(), l.column())
        }
        _ => message,
    };
    LoadError::Yaml {
        path: path.to_owned(),
        message,
    }
}

/// Rewrites messages that speak to a Rust programmer: serde's for untagged
/// enums, which name Rust types, and serde-saphyr's advice on its options.
fn clarify(message: &str) -> String {
    if let Some(key) = message
        .strip_prefix("duplicate mapping key: ")
        .and_then(|rest| rest.split(", set DuplicateKeyPolicy").next())
    {
        format!("{key} is given twice in one mapping")
    } else if message.contains("untagged enum HeadersSpec")
        || message.contains("untagged enum HeaderSpec")
    {
        "headers: expected a map {name: value} or a list whose items are [name, value] pairs or {name, value_base64}".to_owned()
    } else if message.contains("untagged enum Generate") {
        "a recipe is a part {text: ...} or {repeat: ..., times: N} or {repeat: ..., bytes: N}, or a list of parts".to_owned()
    } else {
        message.to_owned()
    }
}

/// Returns the id of the case whose `- id: x` line is the last one at or
/// before `line` (1-based), if any.
fn case_before_line(text: &str, line: u64) -> Option<String> {
    let take = usize::try_from(line).unwrap_or(usize::MAX);
    let mut found = None;
    for l in text.lines().take(take) {
        let t = l.trim_start();
        if let Some(rest) = t
            .strip_prefix("- id:")
            .or_else(|| t.strip_prefix("-   id:"))
        {
            let id = rest.trim().trim_matches(|c| c == '"' || c == '\'');
            if is_case_id(id) {
                found = Some(id.to_owned());
            }
        } else if !l.starts_with(' ')
            && !l.starts_with('-')
            && !l.starts_with('#')
            && !l.trim().is_empty()
            && !l.starts_with("cases:")
        {
            // A new top-level key ends the cases list.
            found = None;
        }
    }
    found
}

/// Parses and checks one suite from `text`. `path` names the file in errors
/// and in the result (its stem must equal the suite id); `resolve` reads
/// `body_file`/`value_file` names.
pub fn load_str(
    text: &str,
    path: &Path,
    catalog: &Catalog,
    resolve: FixtureResolver<'_>,
) -> Result<Suite, LoadError> {
    check_str(text, path, catalog, resolve).map_err(|mut errors| errors.swap_remove(0))
}

/// Like [`load_str`], but `Err` holds every problem found, case by case
/// (never empty): what `cespec list --check` style tools want to print.
pub fn check_str(
    text: &str,
    path: &Path,
    catalog: &Catalog,
    resolve: FixtureResolver<'_>,
) -> Result<Suite, Vec<LoadError>> {
    let file: SuiteFile = parse_yaml(text, path).map_err(|e| vec![e])?;
    let ctx = Ctx {
        path,
        catalog,
        resolve,
        budget: RefCell::new(Budget::for_suite()),
    };
    build_suite(&ctx, file)
}

/// Reads, parses and checks one suite file; `fixtures` is the directory
/// `*_file` names are read from (`None`: such names are an error).
pub fn load_file(
    path: &Path,
    fixtures: Option<&Path>,
    catalog: &Catalog,
) -> Result<Suite, LoadError> {
    check_file(path, fixtures, catalog).map_err(|mut errors| errors.swap_remove(0))
}

/// Like [`load_file`], but `Err` holds every problem found (never empty).
pub fn check_file(
    path: &Path,
    fixtures: Option<&Path>,
    catalog: &Catalog,
) -> Result<Suite, Vec<LoadError>> {
    let text = read_suite_text(path).map_err(|e| vec![e])?;
    let resolve = |name: &str| -> Result<Vec<u8>, String> {
        let Some(dir) = fixtures else {
            return Err(format!(
                "{name}: no fixtures directory was found for {}",
                path.display()
            ));
        };
        super::corpus::read_fixture_file(dir, name)
    };
    check_str(&text, path, catalog, &resolve)
}

pub(crate) fn read_limited(path: &Path) -> Result<Vec<u8>, LoadError> {
    use std::io::Read as _;
    let io = |source| LoadError::Io {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    if file.metadata().map_err(io)?.is_dir() {
        let source =
            std::io::Error::new(std::io::ErrorKind::IsADirectory, "a directory, not a file");
        return Err(io(source));
    }
    // Read through a limit rather than trusting the size: a device or a
    // pipe reports none.
    let mut bytes = Vec::new();
    file.take(MAX_SUITE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_SUITE_BYTES {
        return Err(LoadError::Invalid {
            path: path.to_owned(),
            message: format!("the file is larger than the limit of {MAX_SUITE_BYTES} bytes"),
        });
    }
    Ok(bytes)
}

fn read_suite_text(path: &Path) -> Result<String, LoadError> {
    let bytes = read_limited(path)?;
    String::from_utf8(bytes).map_err(|e| LoadError::Yaml {
        path: path.to_owned(),
        message: format!(
            "the file is not UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// Checks a parsed file; `Err` holds every problem found (suite-level
/// problems stop at the first, case problems are collected case by case).
fn build_suite(ctx: &Ctx<'_>, file: SuiteFile) -> Result<Suite, Vec<LoadError>> {
    let mut errors = Vec::new();
    let suite = check_header(ctx, &file).map_err(|e| vec![e])?;
    let mut seen: BTreeMap<&str, u64> = BTreeMap::new();
    let mut cases = Vec::with_capacity(file.cases.len());
    let defaults = SuiteDefaults {
        id: &suite.0,
        specversion: &suite.1,
        requires: &suite.2,
    };
    for case in &file.cases {
        let case_id = case.value.id.value.as_str();
        if let Some(first) = seen.get(case_id) {
            let at = At::of(case.value.id.referenced, Some(case_id));
            errors.push(ctx.invalid(
                at,
                format!("duplicate case id; first defined on line {first}"),
            ));
            continue;
        }
        seen.insert(case_id, case.value.id.referenced.line());
        match build_case(ctx, &defaults, case) {
            Ok(expanded) => cases.extend(expanded),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let (id, specversion, _) = suite;
    Ok(Suite {
        id,
        title: file.title,
        specversion,
        path: ctx.path.to_owned(),
        cases,
    })
}

/// Checks the suite-level fields; returns the id, specversion and requires.
fn check_header(
    ctx: &Ctx<'_>,
    file: &SuiteFile,
) -> Result<(String, String, BTreeSet<String>), LoadError> {
    let suite_at = At::of(file.suite.referenced, None);
    let id = file.suite.value.clone();
    if !is_suite_id(&id) {
        return Err(ctx.invalid(suite_at, format!("suite id {id:?} must match [a-z0-9-]+")));
    }
    let stem = ctx
        .path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if stem != id {
        return Err(ctx.invalid(
            suite_at,
            format!("suite id {id:?} must equal the file name's stem {stem:?}"),
        ));
    }
    if file.title.trim().is_empty() {
        return Err(ctx.invalid(suite_at, "the suite needs a non-empty title"));
    }
    let specversion = match &file.specversion {
        None => SpecVersion::V1_0.as_str().to_owned(),
        Some(v) if SpecVersion::parse(&v.value).is_some() => v.value.clone(),
        Some(v) => {
            return Err(ctx.invalid(
                At::of(v.referenced, None),
                format!("specversion {:?} is not one of \"1.0\", \"0.3\"", v.value),
            ));
        }
    };
    let mut requires = BTreeSet::new();
    for r in &file.requires {
        check_capability(ctx, r, None)?;
        requires.insert(r.value.clone());
    }
    if file.cases.is_empty() {
        return Err(ctx.invalid(suite_at, "a suite has at least one case"));
    }
    Ok((id, specversion, requires))
}

pub(super) struct SuiteDefaults<'a> {
    pub(super) id: &'a str,
    pub(super) specversion: &'a str,
    pub(super) requires: &'a BTreeSet<String>,
}

fn check_capability(
    ctx: &Ctx<'_>,
    name: &Spanned<String>,
    case: Option<&str>,
) -> Result<(), LoadError> {
    if is_known_capability(&name.value) {
        return Ok(());
    }
    let known: Vec<&str> = Encoding::ALL
        .iter()
        .map(|e| e.as_str())
        .chain([
            SPECVERSION_03,
            RAW_HTTP,
            crate::webhook::WEBHOOK,
            crate::webhook::TOKEN,
            crate::webhook::CALLBACK,
        ])
        .collect();
    Err(ctx.invalid(
        At::of(name.referenced, case),
        format!(
            "unknown capability {:?} in requires; expected one of {}",
            name.value,
            known.join(", ")
        ),
    ))
}

/// Checks `expect.refusal`: only an `accept` case may name one, it must be
/// one of the case's own rules (so coverage counts it), and it must be weaker
/// than MUST (a MUST refusal is what an `accept` case already fails).
fn refusal_rule(
    ctx: &Ctx<'_>,
    expect: &ExpectFile,
    rules: &[String],
    case: &str,
) -> Result<Option<String>, LoadError> {
    let Some(refusal) = &expect.refusal else {
        return Ok(None);
    };
    let at = At::of(refusal.referenced, Some(case));
    if expect.outcome != Outcome::Accept {
        return Err(ctx.invalid(at, "expect.refusal is only for outcome: accept (it names the rule that lets a receiver refuse the message)"));
    }
    if !rules.contains(&refusal.value) {
        return Err(ctx.invalid(
            at,
            format!(
                "expect.refusal: {} must also be cited in the case's rules",
                refusal.value
            ),
        ));
    }
    let level = ctx.catalog.get(&refusal.value).map(|r| r.level);
    if level == Some(Level::Must) {
        return Err(ctx.invalid(at, format!("expect.refusal: {} is a MUST; name the SHOULD or MAY rule that lets a receiver refuse, or drop expect.refusal so that a refusal fails the case", refusal.value)));
    }
    Ok(Some(refusal.value.clone()))
}

/// What every expansion of one case shares.
pub(super) struct CaseCommon {
    pub(super) title: String,
    pub(super) rules: Vec<String>,
    pub(super) level: Level,
    pub(super) notes: Option<String>,
    pub(super) requires: BTreeSet<String>,
    pub(super) location: Location,
    /// `expect.refusal`, checked: a SHOULD or MAY rule the case cites.
    pub(super) refusal: Option<String>,
}

fn build_case(
    ctx: &Ctx<'_>,
    suite: &SuiteDefaults<'_>,
    spanned: &Spanned<CaseFile>,
) -> Result<Vec<Case>, LoadError> {
    let case_at = spanned.referenced;
    let c = &spanned.value;
    let name = c.id.value.as_str();
    let at = |l: YamlLocation| At::of(l, Some(name));
    if !is_case_id(name) {
        return Err(ctx.invalid(
            at(c.id.referenced),
            "a case id must match [a-z0-9][a-z0-9-]*",
        ));
    }
    let title = c.title.value.trim();
    if title.is_empty() || title.contains('\n') {
        return Err(ctx.invalid(at(c.title.referenced), "the title is one non-empty line"));
    }
    if c.rules.value.is_empty() {
        return Err(ctx.invalid(
            at(c.rules.referenced),
            "cite at least one rule id from suites/rules.yaml",
        ));
    }
    let mut rules = Vec::with_capacity(c.rules.value.len());
    let mut level = Level::May;
    for rule in &c.rules.value {
        let Some(found) = ctx.catalog.get(&rule.value) else {
            return Err(ctx.invalid(
                at(rule.referenced),
                format!("unknown rule {:?} (not in suites/rules.yaml)", rule.value),
            ));
        };
        if rules.contains(&rule.value) {
            return Err(ctx.invalid(
                at(rule.referenced),
                format!("rule {} is cited twice", rule.value),
            ));
        }
        level = level.max(found.level);
        rules.push(rule.value.clone());
    }
    let refusal = refusal_rule(ctx, &c.expect.value, &rules, name)?;
    let mut requires = suite.requires.clone();
    for r in &c.requires {
        check_capability(ctx, r, Some(name))?;
        requires.insert(r.value.clone());
    }
    let common = CaseCommon {
        title: title.to_owned(),
        rules,
        level,
        notes: c
            .notes
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
        requires,
        location: Location {
            path: ctx.path.to_owned(),
            line: usize::try_from(case_at.line()).unwrap_or(usize::MAX),
        },
        refusal,
    };
    let expect = &c.expect.value;
    if expect.outcome != Outcome::Accept {
        if let Some(e) = &expect.event {
            return Err(ctx.invalid(at(e.referenced), "expect.event is only for outcome: accept"));
        }
        if let Some(e) = &expect.events {
            return Err(ctx.invalid(
                at(e.referenced),
                "expect.events is only for outcome: accept",
            ));
        }
    }
    if let (Some(_), Some(e)) = (&expect.event, &expect.events) {
        return Err(ctx.invalid(
            at(e.referenced),
            "give expect.event (one event) or expect.events (a batch), not both",
        ));
    }
    let full_id = |suffix: &str| format!("{}/{name}{suffix}", suite.id);
    match (&c.input, &c.event) {
        (Some(input), None) => {
            if let Some(e) = &c.encodings {
                return Err(ctx.invalid(
                    at(e.referenced),
                    "encodings: is only for abstract `event:` cases; an `input:` is one message",
                ));
            }
            let CaseInput { message, raw } = input
                .value
                .to_case_input(ctx.resolve, &mut ctx.budget.borrow_mut())
                .map_err(|e| ctx.invalid(at(input.referenced), format!("input: {e}")))?;
            // A placeholder the runner fills needs the capability that
            // fills it: the token goes only to a target that has one to
            // give, and a callback URL only the runner can serve.
            let placeholders = [
                (
                    matches!(&message, Message::Http(m)
                        if m.path.contains(crate::webhook::TOKEN_PLACEHOLDER)),
                    "the path holds",
                    crate::webhook::TOKEN_PLACEHOLDER,
                    crate::webhook::TOKEN,
                ),
                (
                    crate::runner::callback::offers_callback(&message),
                    "WebHook-Request-Callback is",
                    crate::webhook::CALLBACK_PLACEHOLDER,
                    crate::webhook::CALLBACK,
                ),
            ];
            for (present, where_, placeholder, capability) in placeholders {
                if present && !common.requires.contains(capability) {
                    return Err(ctx.invalid(
                        at(input.referenced),
                        format!(
                            "input: {where_} {placeholder}, so the case requires `{capability}`"
                        ),
                    ));
                }
            }
            let encoding = input_encoding(&message);
            let events = concrete_expected(ctx, expect, encoding, name)?;
            let reply = replies(ctx, expect, &[encoding], name)?;
            Ok(vec![make_case(
                full_id(""),
                suite.id,
                &common,
                message,
                raw,
                encoding,
                expect.outcome,
                events,
                reply,
            )])
        }
        (None, Some(event)) => expand(
            ctx,
            suite,
            &common,
            event,
            c.encodings.as_ref(),
            expect,
            name,
        ),
        (Some(input), Some(_)) => Err(ctx.invalid(
            at(input.referenced),
            "give exactly one of input: (a wire message) and event: (an abstract event), not both",
        )),
        (None, None) => Err(ctx.invalid(
            at(case_at),
            "give exactly one of input: (a wire message) and event: (an abstract event)",
        )),
    }
}
