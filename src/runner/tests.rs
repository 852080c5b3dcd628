//! The runner end to end on small in-test cases and targets: capability
//! skips, timeouts, known failures, fail-fast, ordering and exit codes.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use super::judge::JudgeOptions;
use super::testing::{self, Behaviour, Collect, Scripted, case};
use super::*;
use crate::codec::Encoding;
use crate::exit_codes;
use crate::suite::{Case, Verdict};
use crate::target::{
    BoxFuture, Capabilities, Echo, ImplementationInfo, InProcess, Target, all_capabilities,
};
use crate::wire::Message;

fn summary(name: &str, capabilities: Capabilities) -> TargetSummary {
    TargetSummary {
        name: name.into(),
        address: name.into(),
        info: ImplementationInfo::default(),
        capabilities,
    }
}

fn reference() -> Arc<dyn Target> {
    Arc::new(InProcess(crate::target::reference::Reference))
}

fn scripted(behaviour: Behaviour) -> Arc<dyn Target> {
    Arc::new(Scripted(behaviour))
}

/// Three accepted cases, one per binding.
fn accepting() -> Vec<Case> {
    vec![
        case(
            "s/a",
            Encoding::HttpBinary,
            Verdict::Accept,
            &["HTTP-BIN-5"],
            &[],
        ),
        case(
            "s/b",
            Encoding::KafkaBinary,
            Verdict::Accept,
            &["KAFKA-BIN-1"],
            &[],
        ),
        case("s/c", Encoding::Json, Verdict::Accept, &["JSON-ENV-1"], &[]),
    ]
}

fn options() -> RunOptions {
    RunOptions {
        jobs: NonZeroUsize::new(4).unwrap(),
        ..RunOptions::default()
    }
}

async fn run_one(plan: RunPlan, target: Arc<dyn Target>) -> (Tally, Collect) {
    let mut collect = Collect::default();
    let targets = vec![(summary("t", all_capabilities()), target)];
    let tally = run(plan, targets, &mut collect).await.unwrap();
    (tally, collect)
}

#[tokio::test]
async fn reference_passes_and_results_are_per_reply() {
    let (tally, collect) = run_one(RunPlan::from_cases(accepting(), options()), reference()).await;
    let names: Vec<String> = collect.results().iter().map(|r| r.name()).collect();
    assert_eq!(
        names,
        [
            "s/a@http-binary",
            "s/a@http-structured",
            "s/b@kafka-binary",
            "s/b@kafka-structured",
            "s/c@json",
        ]
    );
    assert_eq!(tally.pass, 5);
    assert_eq!(tally.exit_code(), exit_codes::SUCCESS);
    assert!(matches!(
        collect.events[0],
        RunEvent::Started { cases: 5, .. }
    ));
    assert!(matches!(collect.events.last(), Some(RunEvent::Done { .. })));
}

#[tokio::test]
async fn unsupported_cases_are_skipped_with_the_missing_capabilities() {
    let mut cases = accepting();
    cases.push(case(
        "s/d",
        Encoding::Json,
        Verdict::Accept,
        &["JSON-ENV-1"],
        &["specversion-0.3"],
    ));
    let caps: Capabilities = ["http-binary", "http-structured", "json"]
        .map(String::from)
        .into();
    let mut collect = Collect::default();
    let targets = vec![(summary("t", caps), reference())];
    let tally = run(RunPlan::from_cases(cases, options()), targets, &mut collect)
        .await
        .unwrap();
    let skipped: Vec<(String, String)> = collect
        .results()
        .iter()
        .filter(|r| r.status == Status::Skip)
        .map(|r| (r.case.clone(), r.message.clone()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("s/b".into(), "unsupported: needs kafka-binary".into()),
            ("s/d".into(), "unsupported: needs specversion-0.3".into()),
        ]
    );
    assert_eq!((tally.pass, tally.skip), (3, 2));
    assert_eq!(tally.exit_code(), exit_codes::SUCCESS);
}

#[tokio::test]
async fn a_slow_echo_is_an_error_after_the_case_timeout() {
    let plan = RunPlan::from_cases(
        accepting()[..1].to_vec(),
        RunOptions {
            case_timeout: Duration::from_millis(50),
            ..options()
        },
    );
    let (tally, collect) = run_one(
        plan,
        scripted(Behaviour::EchoAfter(Duration::from_secs(30))),
    )
    .await;
    let results = collect.results();
    assert_eq!(results.len(), 2);
    for r in &results {
        assert_eq!(r.status, Status::Error);
        assert_eq!(r.message, "timed out after 50ms");
    }
    assert_eq!(tally.exit_code(), exit_codes::ERRORS);
}

#[tokio::test]
async fn exit_codes_for_failures_errors_and_nothing_selected() {
    let (tally, _) = run_one(
        RunPlan::from_cases(accepting(), options()),
        scripted(Behaviour::RejectAll),
    )
    .await;
    assert_eq!((tally.fail, tally.exit_code()), (5, exit_codes::FAILURE));

    let (tally, collect) = run_one(
        RunPlan::from_cases(accepting(), options()),
        scripted(Behaviour::Broken),
    )
    .await;
    assert_eq!((tally.error, tally.exit_code()), (5, exit_codes::ERRORS));
    assert!(
        collect
            .results()
            .iter()
            .all(|r| r.message == "connection reset")
    );

    let (tally, collect) = run_one(RunPlan::from_cases(Vec::new(), options()), reference()).await;
    assert_eq!(
        (tally.total(), tally.exit_code()),
        (0, exit_codes::NO_CASES)
    );
    assert_eq!(collect.events.len(), 2, "started and done only");
}

#[tokio::test]
async fn failures_outrank_errors() {
    let mut collect = Collect::default();
    let targets = vec![
        (
            summary("rejects", all_capabilities()),
            scripted(Behaviour::RejectAll),
        ),
        (
            summary("broken", all_capabilities()),
            scripted(Behaviour::Broken),
        ),
    ];
    let tally = run(
        RunPlan::from_cases(accepting(), options()),
        targets,
        &mut collect,
    )
    .await
    .unwrap();
    assert_eq!((tally.fail, tally.error), (5, 5));
    assert_eq!(tally.exit_code(), exit_codes::FAILURE);
    let order: Vec<&str> = collect
        .results()
        .iter()
        .map(|r| r.target.as_str())
        .collect();
    assert_eq!(
        order,
        [["rejects"; 5], ["broken"; 5]].concat(),
        "target-major order"
    );
}

/// Echoes after a delay that shrinks with the case's position, so later
/// cases finish first.
struct Staggered;

impl Target for Staggered {
    fn info(&self) -> ImplementationInfo {
        ImplementationInfo::default()
    }
    fn capabilities(&self) -> Capabilities {
        all_capabilities()
    }
    fn echo<'a>(&'a self, input: &'a Message, reply: Encoding) -> BoxFuture<'a, Echo> {
        Box::pin(async move {
            let Message::Json(doc) = input else {
                unreachable!()
            };
            let n = doc.body.len() % 7;
            tokio::time::sleep(Duration::from_millis(70 - 10 * n as u64)).await;
            InProcess(crate::target::reference::Reference)
                .echo(input, reply)
                .await
        })
    }
}

#[tokio::test]
async fn results_come_out_in_plan_order_whatever_finishes_first() {
    let cases: Vec<Case> = (0..7)
        .map(|i| {
            let mut c = case(
                &format!("s/{i}"),
                Encoding::Json,
                Verdict::Accept,
                &["JSON-ENV-1"],
                &[],
            );
            if let Message::Json(doc) = &mut c.input {
                // Pad with whitespace so each case sleeps differently.
                doc.body.extend(std::iter::repeat_n(b' ', i));
            }
            c
        })
        .collect();
    let ids: Vec<String> = cases.iter().map(|c| c.id.clone()).collect();
    let plan = RunPlan::from_cases(
        cases,
        RunOptions {
            jobs: NonZeroUsize::new(7).unwrap(),
            ..options()
        },
    );
    let (tally, collect) = run_one(plan, Arc::new(Staggered)).await;
    let got: Vec<String> = collect.results().iter().map(|r| r.case.clone()).collect();
    assert_eq!(got, ids);
    assert_eq!(tally.pass, 7);
}

#[tokio::test]
async fn fail_fast_stops_after_the_first_failing_case() {
    let cases: Vec<Case> = (0..6)
        .map(|i| {
            case(
                &format!("s/{i}"),
                Encoding::HttpBinary,
                Verdict::Accept,
                &["HTTP-BIN-5"],
                &[],
            )
        })
        .collect();
    let plan = RunPlan::from_cases(
        cases,
        RunOptions {
            jobs: NonZeroUsize::MIN,
            fail_fast: true,
            ..options()
        },
    );
    let (tally, collect) = run_one(plan, scripted(Behaviour::RejectAll)).await;
    let names: Vec<String> = collect.results().iter().map(|r| r.name()).collect();
    assert_eq!(
        names,
        ["s/0@http-binary", "s/0@http-structured"],
        "the started case finishes"
    );
    assert_eq!(tally.exit_code(), exit_codes::FAILURE);
}

#[tokio::test]
async fn the_run_timeout_turns_what_is_left_into_errors() {
    let plan = RunPlan::from_cases(
        accepting(),
        RunOptions {
            jobs: NonZeroUsize::MIN,
            case_timeout: Duration::from_secs(30),
            run_timeout: Some(Duration::from_millis(80)),
            ..options()
        },
    );
    let (tally, collect) = run_one(
        plan,
        scripted(Behaviour::EchoAfter(Duration::from_secs(30))),
    )
    .await;
    let results = collect.results();
    assert_eq!(results.len(), 5);
    assert!(
        results
            .iter()
            .all(|r| r.status == Status::Error && r.message == "run timeout reached")
    );
    assert_eq!(results[1].name(), "s/a@http-structured");
    assert_eq!(tally.exit_code(), exit_codes::ERRORS);
}

#[tokio::test]
async fn a_target_that_failed_to_open_errors_its_cases() {
    let mut collect = Collect::default();
    let mut caps = all_capabilities();
    caps.remove("json");
    let slots = vec![TargetSlot {
        summary: summary("gone", caps),
        target: Err("connection refused".into()),
    }];
    let tally = run_slots(
        RunPlan::from_cases(accepting(), options()),
        slots,
        &mut collect,
    )
    .await
    .unwrap();
    assert!(
        matches!(&collect.events[1], RunEvent::TargetFailed { target, reason }
        if target == "gone" && reason == "connection refused")
    );
    let results = collect.results();
    assert_eq!(results.len(), 3, "one result per case");
    assert_eq!(results[0].message, "target unavailable: connection refused");
    // Even the case it does not support: a run of only such cases would
    // otherwise end `ok`, all skipped, against a target that is not there.
    assert_eq!(results[2].status, Status::Error);
    assert_eq!(
        (tally.error, tally.skip, tally.exit_code()),
        (3, 0, exit_codes::ERRORS)
    );
}

fn known(entries: &[&str]) -> Arc<dyn KnownFailures> {
    Arc::new(KnownFailureList {
        origin: "expect/t.yaml".into(),
        entries: entries
            .iter()
            .map(|id| {
                let entry = KnownFailure {
                    reason: "issue 7".into(),
                    link: Some("https://example.com/7".into()),
                    now_passes: false,
                };
                ((*id).to_owned(), entry)
            })
            .collect::<BTreeMap<_, _>>(),
    })
}

#[tokio::test]
async fn known_failures_are_expected_and_do_not_fail_the_run() {
    let plan = RunPlan::from_cases(accepting(), options())
        .with_known_failures("t", known(&["s/a", "s/b@kafka-structured"]));
    let (tally, collect) = run_one(plan, scripted(Behaviour::RejectAll)).await;
    let results = collect.results();
    let marked: Vec<String> = results
        .iter()
        .filter(|r| r.is_expected_failure())
        .map(|r| r.name())
        .collect();
    assert_eq!(
        marked,
        [
            "s/a@http-binary",
            "s/a@http-structured",
            "s/b@kafka-structured"
        ]
    );
    assert!(
        results.iter().all(|r| r.status == Status::Fail),
        "statuses are kept"
    );
    assert_eq!((tally.expected, tally.fail), (3, 2));
    assert_eq!(
        tally.exit_code(),
        exit_codes::FAILURE,
        "s/b@kafka-binary and s/c are not listed"
    );

    let plan = RunPlan::from_cases(accepting(), options())
        .with_known_failures("t", known(&["s/a", "s/b", "s/c"]));
    let (tally, _) = run_one(plan, scripted(Behaviour::RejectAll)).await;
    assert_eq!((tally.expected, tally.total()), (5, 5));
    assert_eq!(tally.exit_code(), exit_codes::SUCCESS);
}

#[tokio::test]
async fn known_failures_that_now_pass_are_reported() {
    let plan =
        RunPlan::from_cases(accepting(), options()).with_known_failures("t", known(&["s/a"]));
    let (tally, collect) = run_one(plan, reference()).await;
    let results = collect.results();
    assert!(results[0].known_failure.as_ref().unwrap().now_passes);
    assert_eq!(results[0].status, Status::Pass);
    assert_eq!(
        results[0].message,
        "known failure now passes: remove it from expect/t.yaml"
    );
    assert_eq!((tally.pass, tally.now_passes), (5, 2));
    assert_eq!(
        tally.exit_code(),
        exit_codes::SUCCESS,
        "a warning without --strict-expectations"
    );

    let strict = RunOptions {
        strict_expectations: true,
        ..options()
    };
    let plan = RunPlan::from_cases(accepting(), strict).with_known_failures("t", known(&["s/a"]));
    let (tally, collect) = run_one(plan, reference()).await;
    assert_eq!(collect.results()[0].status, Status::Fail);
    assert_eq!((tally.fail, tally.now_passes), (2, 2));
    assert_eq!(tally.exit_code(), exit_codes::FAILURE);
}

#[test]
fn a_case_listed_whole_does_not_now_pass_while_one_reply_still_fails() {
    let base = |reply, status| testing::result("s/a", reply, status);
    let mut group = [
        base(Encoding::HttpBinary, Status::Pass),
        base(Encoding::HttpStructured, Status::Fail),
    ];
    execute::settle(&mut group, known(&["s/a"]).as_ref(), true);
    assert_eq!(group[0].known_failure, None);
    assert_eq!(group[0].status, Status::Pass);
    assert!(group[1].is_expected_failure());
}

#[test]
fn durations_read_naturally() {
    assert_eq!(execute::format_duration(Duration::from_secs(5)), "5s");
    assert_eq!(
        execute::format_duration(Duration::from_millis(250)),
        "250ms"
    );
    assert_eq!(
        execute::format_duration(Duration::from_millis(1500)),
        "1.5s"
    );
}

/// A target that accepts a message breaking a main-branch-only rule
/// (CORE-CTX-2) and one breaking a released rule (CORE-ID-1) fails both,
/// unless the run judges by the released spec: then the first is info.
#[tokio::test]
async fn released_spec_makes_main_branch_rules_informational() {
    let cases = || {
        vec![
            case(
                "s/wip",
                Encoding::HttpBinary,
                Verdict::Reject,
                &["CORE-CTX-2"],
                &[],
            ),
            case(
                "s/released",
                Encoding::HttpBinary,
                Verdict::Reject,
                &["CORE-ID-1"],
                &[],
            ),
        ]
    };
    let echo = || scripted(Behaviour::EchoAfter(Duration::ZERO));
    let statuses = |collect: &Collect| -> Vec<(String, Status)> {
        let mut v: Vec<_> = (collect.results().iter())
            .map(|r| (r.case.clone(), r.status))
            .collect();
        v.sort();
        v
    };
    let (tally, collect) = run_one(RunPlan::from_cases(cases(), options()), echo()).await;
    assert_eq!(
        statuses(&collect),
        [
            ("s/released".into(), Status::Fail),
            ("s/wip".into(), Status::Fail)
        ]
    );
    assert_eq!(tally.exit_code(), exit_codes::FAILURE);

    let released = RunOptions {
        judging: JudgeOptions {
            strict: false,
            released_spec: true,
        },
        ..options()
    };
    let (_, collect) = run_one(RunPlan::from_cases(cases(), released), echo()).await;
    assert_eq!(
        statuses(&collect),
        [
            ("s/released".into(), Status::Fail),
            ("s/wip".into(), Status::Info)
        ]
    );
}
