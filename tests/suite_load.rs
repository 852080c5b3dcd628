//! Tests of the suite loader: what a suite file turns into (levels,
//! requirements, detected encodings, expanded abstract cases) and how every
//! kind of broken suite is refused, always as `file:line:col: case 'id': ...`.

use std::path::{Path, PathBuf};

use cespec::codec::Encoding;
use cespec::error::LoadError;
use cespec::rules::{Catalog, Level};
use cespec::suite::{
    Suite, Verdict, check_dir, load_dir, load_file, load_str, load_with_overrides,
};
use cespec::wire::Message;

fn catalog() -> &'static Catalog {
    Catalog::embedded().expect("the embedded catalog loads")
}

fn fixtures(name: &str) -> Result<Vec<u8>, String> {
    match name {
        "bodies/hello.txt" => Ok(b"hello".to_vec()),
        _ => Err(format!("fixtures/{name}: not found")),
    }
}

fn load(text: &str) -> Result<Suite, LoadError> {
    load_str(text, Path::new("suites/t.yaml"), catalog(), &fixtures)
}

fn error(text: &str) -> String {
    match load(text) {
        Ok(_) => panic!("expected a load error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// A one-case suite around `case` (indented as a list item of `cases:`).
fn one(case: &str) -> String {
    format!("suite: t\ntitle: Test suite\ncases:\n{case}")
}

const MINIMAL_HTTP: &str = concat!(
    "  - id: a\n",
    "    title: A binary event\n",
    "    rules: [HTTP-BIN-5, CORE-CTX-1]\n",
    "    input:\n",
    "      http:\n",
    "        headers: {ce-specversion: '1.0', ce-id: '1', ce-source: /s, ce-type: t.x}\n",
    "    expect:\n",
    "      outcome: accept\n",
    "      event: {specversion: '1.0', id: '1', source: /s, type: t.x}\n",
);

#[test]
fn a_concrete_case_loads_with_derived_fields() {
    let suite = load(&one(MINIMAL_HTTP)).unwrap();
    assert_eq!(suite.id, "t");
    assert_eq!(suite.specversion, "1.0");
    assert_eq!(suite.path, Path::new("suites/t.yaml"));
    let [case] = suite.cases.as_slice() else {
        panic!("one case")
    };
    assert_eq!(case.id, "t/a");
    assert_eq!(case.suite, "t");
    assert_eq!(case.level, Level::Must);
    assert_eq!(case.input_encoding, Encoding::HttpBinary);
    assert!(case.requires.contains("http-binary"));
    assert_eq!(case.location.line, 4);
    assert_eq!(case.expect.verdict, Verdict::Accept);
    let events = case.expect.events.as_ref().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].get_str("id"), Some("1"));
    let Message::Http(m) = &case.input else {
        panic!("http input")
    };
    assert_eq!(m.method, "POST");
    assert_eq!(m.header("ce-source"), Some("/s"));
}

#[test]
fn a_refusal_rule_loads_with_the_case_and_keeps_its_level() {
    let text = MINIMAL_HTTP.replace("CORE-CTX-1]", "CORE-SIZE-2]").replace(
        "outcome: accept",
        "outcome: accept\n      refusal: CORE-SIZE-2",
    );
    let suite = load(&one(&text)).unwrap();
    let case = &suite.cases[0];
    assert_eq!(case.expect.refusal.as_deref(), Some("CORE-SIZE-2"));
    assert_eq!(
        case.level,
        Level::Must,
        "the refusal rule does not lower the case"
    );
    let plain = load(&one(MINIMAL_HTTP)).unwrap();
    assert_eq!(plain.cases[0].expect.refusal, None);
}

#[test]
fn level_is_the_strongest_rule_and_requires_merge() {
    let text = "suite: t\ntitle: T\nrequires: [specversion-0.3]\ncases:\n  - id: a\n    title: t\n    rules: [CORE-NAME-4]\n    requires: [kafka-binary]\n    input: {json: {value: {specversion: '1.0', id: '1', source: /s, type: t}}}\n    expect: {outcome: accept}\n";
    let suite = load(text).unwrap();
    let case = &suite.cases[0];
    assert_eq!(
        case.level,
        Catalog::embedded()
            .unwrap()
            .get("CORE-NAME-4")
            .unwrap()
            .level
    );
    let requires: Vec<&str> = case.requires.iter().map(String::as_str).collect();
    assert_eq!(requires, ["json", "kafka-binary", "specversion-0.3"]);
    assert!(
        case.expect.events.is_none(),
        "no expect.event: only the verdict is stated"
    );
}

#[test]
fn input_encodings_are_detected_like_a_receiver() {
    let case = |input: &str| {
        let text = one(&format!(
            "  - id: a\n    title: t\n    rules: [CORE-GEN-1]\n    input: {input}\n    expect: {{outcome: reject}}\n"
        ));
        load(&text).unwrap().cases[0].input_encoding
    };
    assert_eq!(
        case("{http: {headers: {Content-Type: Application/CloudEvents+JSON}, body: '{}'}}"),
        Encoding::HttpStructured
    );
    assert_eq!(
        case("{http: {headers: {content-type: application/cloudevents-batch+json}, body: '[]'}}"),
        Encoding::HttpBatch
    );
    assert_eq!(
        case("{http: {headers: {content-type: text/plain}, body: x}}"),
        Encoding::HttpBinary
    );
    assert_eq!(
        case("{kafka: {headers: [[content-type, APPLICATION/CLOUDEVENTS+json]], value: '{}'}}"),
        Encoding::KafkaStructured
    );
    assert_eq!(
        case("{kafka: {headers: [[Content-Type, application/cloudevents+json]], value: '{}'}}"),
        Encoding::KafkaBinary
    );
    assert_eq!(
        case("{json: {text: '[]', media_type: application/cloudevents-batch+json}}"),
        Encoding::JsonBatch
    );
    assert_eq!(case("{json: {text: '{'}}"), Encoding::Json);
}

#[test]
fn abstract_events_expand_per_encoding() {
    let text = one(
        "  - id: ext\n    title: An extension\n    rules: [CORE-CTX-1]\n    event: {id: '1', source: /s, type: t.x, comexampleext: v, subject: null}\n    expect: {outcome: accept, reply: {kafka-binary: {headers: {ce_comexampleext: v}}}}\n",
    );
    let suite = load(&text).unwrap();
    let ids: Vec<&str> = suite.cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "t/ext.json",
            "t/ext.http-binary",
            "t/ext.http-structured",
            "t/ext.kafka-binary",
            "t/ext.kafka-structured"
        ]
    );
    for case in &suite.cases {
        assert_eq!(case.id, format!("t/ext.{}", case.input_encoding));
        assert!(case.requires.contains(case.input_encoding.as_str()));
        let event = &case.expect.events.as_ref().unwrap()[0];
        assert_eq!(
            event.specversion().as_str(),
            "1.0",
            "the suite's specversion is inserted"
        );
        assert!(
            event.get("subject").is_none(),
            "null members are dropped from the expected event"
        );
        let kafka = case.input_encoding.binding() == "kafka";
        assert_eq!(
            case.expect.reply.contains_key(&Encoding::KafkaBinary),
            kafka,
            "reply constraints follow the binding"
        );
    }
    let Message::Http(m) = &suite.cases[1].input else {
        panic!()
    };
    assert_eq!(m.header("ce-comexampleext"), Some("v"));
}

#[test]
fn abstract_batches_default_to_the_batch_encodings() {
    let text = one(
        "  - id: b\n    title: A batch\n    rules: [JSON-BATCH-1]\n    event: [{id: '1', source: /s, type: t}, {id: '2', source: /s, type: t}]\n    expect: {outcome: accept}\n",
    );
    let suite = load(&text).unwrap();
    let ids: Vec<&str> = suite.cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["t/b.json-batch", "t/b.http-batch"]);
    assert_eq!(suite.cases[0].expect.events.as_ref().unwrap().len(), 2);
}

#[test]
fn explicit_encodings_and_expected_event_are_used() {
    let text = one(
        "  - id: i\n    title: Integer\n    rules: [CORE-CTX-1]\n    event: {id: '1', source: /s, type: t, n: 5}\n    encodings: [http-binary]\n    expect: {outcome: accept, event: {specversion: '1.0', id: '1', source: /s, type: t, n: '5'}}\n",
    );
    let suite = load(&text).unwrap();
    assert_eq!(suite.cases.len(), 1);
    assert_eq!(suite.cases[0].id, "t/i.http-binary");
    assert_eq!(
        suite.cases[0].expect.events.as_ref().unwrap()[0].get_str("n"),
        Some("5")
    );
}

#[test]
fn fixture_files_are_read_through_the_resolver() {
    let text = one(
        "  - id: f\n    title: A body from a file\n    rules: [CORE-GEN-1]\n    input: {http: {headers: {ce-specversion: '1.0', ce-id: '1', ce-source: /s, ce-type: t, content-type: text/plain}, body_file: bodies/hello.txt}}\n    expect: {outcome: accept}\n",
    );
    let suite = load(&text).unwrap();
    let Message::Http(m) = &suite.cases[0].input else {
        panic!()
    };
    assert_eq!(m.body, b"hello");
}

#[test]
fn reply_constraints_are_converted() {
    let text = one(&format!(
        "{MINIMAL_HTTP}      reply:\n        http-binary:\n          headers: {{ce-id: '1'}}\n          absent: [ce-time]\n          body: ''\n        http-structured: {{body_base64: e30=}}\n"
    ));
    let suite = load(&text).unwrap();
    let reply = &suite.cases[0].expect.reply;
    assert_eq!(
        reply[&Encoding::HttpBinary].headers,
        vec![("ce-id".to_owned(), "1".to_owned())]
    );
    assert_eq!(
        reply[&Encoding::HttpBinary].absent,
        vec!["ce-time".to_owned()]
    );
    assert_eq!(reply[&Encoding::HttpBinary].body.as_deref(), Some(&b""[..]));
    assert_eq!(
        reply[&Encoding::HttpStructured].body.as_deref(),
        Some(&b"{}"[..])
    );
}

#[test]
fn yes_and_on_stay_strings() {
    let text = one(
        "  - id: y\n    title: YAML 1.1 booleans are strings\n    rules: [CORE-CTX-1]\n    event: {id: yes, source: /s, type: on}\n    encodings: [json]\n    expect: {outcome: accept}\n",
    );
    let suite = load(&text).unwrap();
    let event = &suite.cases[0].expect.events.as_ref().unwrap()[0];
    assert_eq!(event.get_str("id"), Some("yes"));
    assert_eq!(event.get_str("type"), Some("on"));
}

/// Every refusal names the file, the line and column, the case, and the problem.
#[test]
fn errors_name_file_line_column_and_case() {
    let cases: &[(&str, &str)] = &[
        // YAML syntax and shape, reported by serde-saphyr
        ("suite: t\ntitle: [x\n", "suites/t.yaml:2:"),
        (
            &one(&format!("{}    bogus: 1\n", MINIMAL_HTTP)),
            "suites/t.yaml:13:5: case 'a': unknown field `bogus`, expected one of id, title,",
        ),
        (
            &one(&MINIMAL_HTTP.replace("outcome: accept", "outcome: maybe")),
            "suites/t.yaml:11:16: case 'a': unknown variant `maybe`, expected one of accept, reject",
        ),
        (
            &one(&MINIMAL_HTTP.replace("headers: {", "headerz: {")),
            "suites/t.yaml:9:9: case 'a': unknown field `headerz`",
        ),
        (
            &one(&MINIMAL_HTTP.replace(
                "headers: {ce-specversion: '1.0', ce-id: '1', ce-source: /s, ce-type: t.x}",
                "headers: [[a]]",
            )),
            "suites/t.yaml:9:18: case 'a': headers: expected a map",
        ),
        (
            "suite: t\ntitle: T\ncases:\n  - id: a\n    id: b\n",
            "suites/t.yaml:5:5:",
        ),
        // suite level
        (
            &MINIMAL_HTTP.replace("  - id: a", "suite: u\ntitle: T\ncases:\n  - id: a"),
            "suites/t.yaml:1:8: suite id \"u\" must equal the file name's stem \"t\"",
        ),
        (
            "suite: t\ntitle: T\ncases: []\n",
            "suites/t.yaml:1:8: a suite has at least one case",
        ),
        (
            "suite: t\ntitle: T\nspecversion: '2.0'\ncases: []\n",
            "suites/t.yaml:3:14: specversion \"2.0\" is not one of",
        ),
        (
            "suite: t\ntitle: T\nrequires: [batchy]\ncases: []\n",
            "suites/t.yaml:3:12: unknown capability \"batchy\"",
        ),
        // case level
        (
            &one(&MINIMAL_HTTP.replace("id: a", "id: A_b")),
            "suites/t.yaml:4:9: case 'A_b': a case id must match",
        ),
        (
            &one(&MINIMAL_HTTP.replace("rules: [HTTP-BIN-5, CORE-CTX-1]", "rules: []")),
            "suites/t.yaml:6:12: case 'a': cite at least one rule",
        ),
        (
            &one(&MINIMAL_HTTP.replace("CORE-CTX-1]", "CORE-CTX-99]")),
            "suites/t.yaml:6:25: case 'a': unknown rule \"CORE-CTX-99\"",
        ),
        (
            &one(&MINIMAL_HTTP.replace("CORE-CTX-1]", "HTTP-BIN-5]")),
            "suites/t.yaml:6:25: case 'a': rule HTTP-BIN-5 is cited twice",
        ),
        (
            &one(&MINIMAL_HTTP.replace("title: A binary event", "title: \"two\\nlines\"")),
            "suites/t.yaml:5:12: case 'a': the title is one non-empty line",
        ),
        (
            &format!("{}{}", one(MINIMAL_HTTP), MINIMAL_HTTP),
            "suites/t.yaml:13:9: case 'a': duplicate case id; first defined on line 4",
        ),
        (
            &one(&MINIMAL_HTTP.replace("    expect:\n", "    event: {id: '1'}\n    expect:\n")),
            "suites/t.yaml:8:7: case 'a': give exactly one of input: (a wire message) and event: (an abstract event), not both",
        ),
        (
            &one(
                "  - id: a\n    title: t\n    rules: [CORE-GEN-1]\n    expect: {outcome: reject}\n",
            ),
            "suites/t.yaml:4:5: case 'a': give exactly one of input:",
        ),
        (
            &one(&MINIMAL_HTTP.replace("    expect:\n", "    encodings: [json]\n    expect:\n")),
            "suites/t.yaml:10:16: case 'a': encodings: is only for abstract",
        ),
        (
            &one(&MINIMAL_HTTP.replace("outcome: accept", "outcome: reject")),
            "suites/t.yaml:12:14: case 'a': expect.event is only for outcome: accept",
        ),
        (
            &one(&MINIMAL_HTTP.replace(
                "      outcome: accept\n      event: {specversion: '1.0', id: '1', source: /s, type: t.x}\n",
                "      outcome: reject\n      refusal: CORE-CTX-1\n",
            )),
            "suites/t.yaml:12:16: case 'a': expect.refusal is only for outcome: accept",
        ),
        (
            &one(&MINIMAL_HTTP.replace("outcome: accept", "outcome: accept\n      refusal: CORE-SIZE-5")),
            "suites/t.yaml:12:16: case 'a': expect.refusal: CORE-SIZE-5 must also be cited in the case's rules",
        ),
        (
            &one(&MINIMAL_HTTP.replace("outcome: accept", "outcome: accept\n      refusal: CORE-CTX-1")),
            "suites/t.yaml:12:16: case 'a': expect.refusal: CORE-CTX-1 is a MUST; name the SHOULD or MAY rule",
        ),
        (
            &one(&MINIMAL_HTTP.replace(
                "event: {specversion: '1.0', id: '1', source: /s, type: t.x}",
                "events: [{specversion: '1.0', id: '1', source: /s, type: t.x}]",
            )),
            "suites/t.yaml:12:15: case 'a': the input is one event (http-binary): write the expected event as expect.event",
        ),
        (
            &one(&MINIMAL_HTTP.replace("id: '1', source", "id: 1, source")),
            "suites/t.yaml:12:14: case 'a': the expected event is not a valid event (the reference rejects it: CORE-ID-1",
        ),
        (
            &one(
                "  - id: a\n    title: t\n    rules: [CORE-GEN-1]\n    input: {http: {body_file: missing.bin}}\n    expect: {outcome: reject}\n",
            ),
            "suites/t.yaml:7:12: case 'a': input: fixtures/missing.bin: not found",
        ),
        (
            &one(
                "  - id: a\n    title: t\n    rules: [CORE-GEN-1]\n    input: {http: {body_file: ../../etc/passwd}}\n    expect: {outcome: reject}\n",
            ),
            "suites/t.yaml:7:12: case 'a': input: \"../../etc/passwd\": a fixture path must stay under the fixtures directory",
        ),
        (
            &one(
                "  - id: a\n    title: t\n    rules: [CORE-GEN-1]\n    input: {http: {body: x, body_base64: eA==}}\n    expect: {outcome: reject}\n",
            ),
            "suites/t.yaml:7:12: case 'a': input: give only one of body",
        ),
        (
            &one(
                "  - id: a\n    title: t\n    rules: [CORE-GEN-1]\n    input: {http: {}, json: {text: x}}\n    expect: {outcome: reject}\n",
            ),
            "suites/t.yaml:7:12: case 'a': input: a message has exactly one of http, kafka and json",
        ),
        (
            &one(
                "  - id: a\n    title: t\n    rules: [CORE-GEN-1]\n    requires: [kafka]\n    input: {json: {text: x}}\n    expect: {outcome: reject}\n",
            ),
            "suites/t.yaml:7:16: case 'a': unknown capability \"kafka\"",
        ),
        (
            &one(
                "  - id: a\n    title: t\n    rules: [HOOK-AUTH-1]\n    input: {http: {path: '?access_token={token}', body: x}}\n    expect: {outcome: reject}\n",
            ),
            "suites/t.yaml:7:12: case 'a': input: the path holds {token}, so the case requires `token`",
        ),
        (
            &one(
                "  - id: a\n    title: t\n    title: u\n    rules: [CORE-GEN-1]\n    input: {json: {text: x}}\n    expect: {outcome: reject}\n",
            ),
            "suites/t.yaml:6:5: case 'a': title is given twice in one mapping",
        ),
        (
            &one(
                "  - id: a\n    title: t\n    rules: [HOOK-AP-5]\n    input: {http: {method: OPTIONS, headers: {WebHook-Request-Origin: s.example, WebHook-Request-Callback: '{callback}'}}}\n    expect: {outcome: accept}\n",
            ),
            "suites/t.yaml:7:12: case 'a': input: WebHook-Request-Callback is {callback}, so the case requires `callback`",
        ),
        (
            &one(
                "  - id: a\n    title: t\n    rules: [CORE-GEN-1]\n    event: {id: '1', source: /s, type: t}\n    encodings: [json, xml]\n    expect: {outcome: reject}\n",
            ),
            "suites/t.yaml:8:23: case 'a': encodings: unknown encoding \"xml\"",
        ),
        (
            &one(
                "  - id: a\n    title: t\n    rules: [CORE-GEN-1]\n    event: {id: '1', source: /s, type: t}\n    encodings: [json, json]\n    expect: {outcome: reject}\n",
            ),
            "suites/t.yaml:8:23: case 'a': encodings: json is listed twice",
        ),
        (
            &one(
                "  - id: a\n    title: t\n    rules: [CORE-GEN-1]\n    event: [{id: '1', source: /s, type: t}]\n    encodings: [http-binary]\n    expect: {outcome: reject}\n",
            ),
            "suites/t.yaml:8:17: case 'a': encodings: a batch (an array of events) cannot be rendered in http-binary",
        ),
        (
            &one(
                "  - id: a\n    title: t\n    rules: [CORE-GEN-1]\n    event: {id: '1', source: /s, type: t, data: x, data_base64: eA==}\n    encodings: [http-binary]\n    expect: {outcome: reject}\n",
            ),
            "suites/t.yaml:7:12: case 'a': event: cannot render the fixture event in http-binary",
        ),
        (
            &one(
                "  - id: a\n    title: t\n    rules: [CORE-GEN-1]\n    event: 5\n    expect: {outcome: reject}\n",
            ),
            "suites/t.yaml:7:12: case 'a': event: is an event object",
        ),
        (
            &one(
                "  - id: a\n    title: t\n    rules: [CORE-GEN-1]\n    event: {id: '', source: /s, type: t}\n    expect: {outcome: accept}\n",
            ),
            "suites/t.yaml:7:12: case 'a': the expected event is not a valid event",
        ),
        (
            &one(
                "  - id: a\n    title: t\n    rules: [CORE-GEN-1]\n    event: {id: '1', source: /s, type: t}\n    expect: {outcome: accept, events: []}\n",
            ),
            "suites/t.yaml:8:39: case 'a': the abstract event is one event: write expect.event",
        ),
    ];
    let mut wrong = Vec::new();
    for (text, want) in cases {
        let got = error(text);
        if !got.starts_with(want) {
            wrong.push(format!(
                "want prefix: {want}\ngot:         {got}\nfor:\n{text}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[test]
fn reply_keys_must_carry_as_many_events_as_the_input() {
    // A single event may be asked back in another binding's encoding...
    let text = one(&format!(
        "{MINIMAL_HTTP}      reply: {{kafka-binary: {{}}}}\n"
    ));
    let suite = load(&text).unwrap();
    assert!(
        suite.cases[0]
            .expect
            .reply
            .keys()
            .any(|e| e.as_str() == "kafka-binary")
    );
    // ...but not in a batch encoding, nor a batch in a single-event one.
    let text = one(&format!(
        "{MINIMAL_HTTP}      reply: {{http-batch: {{}}}}\n"
    ));
    let got = error(&text);
    assert!(
        got.starts_with(
            "suites/t.yaml:13:15: case 'a': expect.reply: http-batch cannot be asked of this case"
        ),
        "{got}"
    );
    let text = text.replace("http-batch", "http-xml");
    assert!(error(&text).contains("expect.reply: unknown encoding \"http-xml\""));
}

#[test]
fn several_problems_are_all_reported_by_check() {
    let text = format!(
        "{}{}",
        one(&MINIMAL_HTTP.replace("CORE-CTX-1]", "CORE-CTX-99]")),
        MINIMAL_HTTP
            .replace("id: a", "id: b")
            .replace("outcome: accept", "outcome: reject")
    );
    let errors = cespec::suite::check_str(&text, Path::new("suites/t.yaml"), catalog(), &fixtures)
        .unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[1]
            .to_string()
            .contains("case 'b': expect.event is only for outcome: accept")
    );
}

#[test]
fn hostile_yaml_is_an_error_not_a_panic() {
    // An alias bomb stops at serde-saphyr's budget.
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    assert!(load(&bomb).is_err());
    // Deep nesting stops at the depth budget.
    let deep = format!(
        "suite: t\ntitle: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(load(&deep).is_err());
    // Not YAML at all, or empty.
    for text in [
        "\u{0}\u{1}\u{2}",
        "",
        "---\n...\n",
        "- 1\n- 2\n",
        "suite: t\n",
    ] {
        let got = error(text);
        assert!(got.starts_with("suites/t.yaml"), "{got}");
    }
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("suite_load")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn files_and_directories() {
    let root = scratch_dir("dirs");
    let suites = root.join("suites");
    std::fs::create_dir_all(suites.join("hostile")).unwrap();
    std::fs::create_dir_all(root.join("fixtures")).unwrap();
    std::fs::write(root.join("fixtures/b.txt"), "from a file").unwrap();
    std::fs::write(suites.join("t.yaml"), one(MINIMAL_HTTP)).unwrap();
    std::fs::write(suites.join("rules.yaml"), "not a suite").unwrap();
    std::fs::write(suites.join(".hidden.yaml"), "not a suite").unwrap();
    let with_file = "suite: deep\ntitle: T\ncases:\n  - id: f\n    title: t\n    rules: [CORE-GEN-1]\n    input: {kafka: {value_file: b.txt}}\n    expect: {outcome: reject}\n";
    std::fs::write(suites.join("hostile/deep.yaml"), with_file).unwrap();
    let loaded = load_dir(&suites, catalog()).unwrap();
    let ids: Vec<&str> = loaded.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["deep", "t"]);
    let Message::Kafka(k) = &loaded[0].cases[0].input else {
        panic!()
    };
    assert_eq!(k.value.as_deref(), Some(&b"from a file"[..]));
    assert_eq!(loaded[0].path, suites.join("hostile/deep.yaml"));

    // The same id twice is refused; check_dir still returns the rest.
    std::fs::write(suites.join("hostile/t.yaml"), one(MINIMAL_HTTP)).unwrap();
    let err = load_dir(&suites, catalog()).unwrap_err().to_string();
    assert!(err.contains("suite id \"t\" is also used by"), "{err}");
    let checked = check_dir(&suites, catalog());
    assert_eq!(checked.suites.len(), 2);
    assert_eq!(checked.problems.len(), 1);

    // Missing things name their path.
    let err = load_file(&root.join("nope.yaml"), None, catalog())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&root.join("nope.yaml").display().to_string()),
        "{err}"
    );
    let err = load_dir(&root.join("nope"), catalog())
        .unwrap_err()
        .to_string();
    assert!(err.contains("nope"), "{err}");
    std::fs::write(root.join("latin1.yaml"), b"suite: \xe9\n").unwrap();
    let err = load_file(&root.join("latin1.yaml"), None, catalog())
        .unwrap_err()
        .to_string();
    assert!(err.contains("not UTF-8"), "{err}");
    let err = load_file(&root, None, catalog()).unwrap_err().to_string();
    assert!(err.contains("a directory"), "{err}");
    if Path::new("/dev/zero").exists() {
        // No size to trust: the read stops at the limit.
        let err = load_file(Path::new("/dev/zero"), None, catalog())
            .unwrap_err()
            .to_string();
        assert!(err.contains("larger than the limit"), "{err}");
    }
}

#[test]
fn a_directory_overrides_embedded_suites_by_id() {
    // Works whatever state the corpus is in: problems are kept apart.
    let embedded = cespec::suite::check_embedded(catalog());
    let first = embedded
        .suites
        .first()
        .expect("at least one embedded suite loads");
    let dir = scratch_dir("override");
    let text = one(MINIMAL_HTTP).replace("suite: t", &format!("suite: {}", first.id));
    std::fs::write(dir.join(format!("{}.yaml", first.id)), text).unwrap();
    std::fs::write(
        dir.join("zz-new.yaml"),
        one(MINIMAL_HTTP).replace("suite: t", "suite: zz-new"),
    )
    .unwrap();
    let merged = cespec::suite::check_with_overrides(std::slice::from_ref(&dir), catalog());
    assert_eq!(merged.suites.len(), embedded.suites.len() + 1);
    assert_eq!(merged.problems.len(), embedded.problems.len());
    let replaced = merged.suites.iter().find(|s| s.id == first.id).unwrap();
    assert_eq!(replaced.cases.len(), 1);
    assert_eq!(replaced.path, dir.join(format!("{}.yaml", first.id)));
    assert!(merged.suites.iter().any(|s| s.id == "zz-new"));
    if embedded.problems.is_empty() {
        assert_eq!(
            load_with_overrides(&[dir], catalog()).unwrap().len(),
            merged.suites.len()
        );
    }
}

#[test]
fn a_directory_suite_replaces_a_broken_embedded_one() {
    let embedded = cespec::suite::check_embedded(catalog());
    let Some((path, _)) = embedded.problems.first() else {
        return;
    }; // nothing broken to replace
    let id = path.file_stem().unwrap().to_str().unwrap().to_owned();
    let dir = scratch_dir("replace-broken");
    std::fs::write(
        dir.join(format!("{id}.yaml")),
        one(MINIMAL_HTTP).replace("suite: t", &format!("suite: {id}")),
    )
    .unwrap();
    let merged = cespec::suite::check_with_overrides(&[dir], catalog());
    assert!(
        merged.problems.iter().all(|(p, _)| p != path),
        "the embedded file's problems are forgotten"
    );
    assert!(merged.suites.iter().any(|s| s.id == id));
}

#[test]
fn the_embedded_corpus_loads() {
    let checked = cespec::suite::check_embedded(catalog());
    let problems: Vec<String> = checked
        .problems
        .iter()
        .map(|(_, e)| e.to_string())
        .collect();
    assert!(
        problems.is_empty(),
        "{} problem(s) in the embedded suites:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(!checked.suites.is_empty());
}
