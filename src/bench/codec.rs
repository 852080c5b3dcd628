//! Codec mode of `cespec bench`: echo loops against any [`Target`]
//! (in-process, child process, HTTP), one input at a time, every exchange
//! timed into an HDR histogram. The reply is asked in the input's own
//! encoding, so one exchange is one decode and one encode by the target.
//!
//! Replies are judged like `cespec run` judges them (all, or one in N): a
//! reply that breaks a rule, or a rejection of a valid bench input, marks the
//! row non-conformant.

use std::time::{Duration, Instant};

use super::inputs::Input;
use super::result::{BenchResult, Cpu, Latency, histogram, process_cpu};
use crate::runner::judge::{JudgeOptions, TargetView, judge};
use crate::runner::outcome::Status;
use crate::target::{Echo, Target};
use crate::wire::Message;

/// How long and how thoroughly each input is measured.
#[derive(Clone, Debug)]
pub struct CodecOptions {
    /// Measuring time per input (after the warm-up).
    pub duration: Duration,
    /// Stop an input after this many exchanges.
    pub max_requests: Option<u64>,
    /// Exchanges before measuring starts, bounded by time.
    pub warmup: Duration,
    /// Judge one reply in N (1 judges every reply).
    pub validate_every: u64,
}

impl Default for CodecOptions {
    fn default() -> Self {
        Self {
            duration: Duration::from_secs(1),
            max_requests: None,
            warmup: Duration::from_millis(200),
            validate_every: 1,
        }
    }
}

fn reply_size(echo: &Echo) -> usize {
    match echo {
        Echo::Accepted(m) => m.wire_size(),
        _ => 0,
    }
}

fn message_size(m: &Message) -> usize {
    m.wire_size()
}

/// Measures every input the target supports; inputs whose encoding the
/// target lacks are left out.
pub async fn run(
    target: &dyn Target,
    target_name: &str,
    inputs: &[Input],
    options: &CodecOptions,
) -> Vec<BenchResult> {
    let capabilities = target.capabilities();
    let mut out = Vec::new();
    for input in inputs {
        if !capabilities.contains(input.encoding.as_str()) {
            continue;
        }
        out.push(measure(target, target_name, input, options).await);
    }
    out
}

/// Measures one input.
pub async fn measure(
    target: &dyn Target,
    target_name: &str,
    input: &Input,
    options: &CodecOptions,
) -> BenchResult {
    let reply = input.encoding;
    let warm_until = Instant::now() + options.warmup;
    while Instant::now() < warm_until {
        target.echo(&input.message, reply).await;
    }
    let capabilities = target.capabilities();
    let view = TargetView {
        name: target_name,
        capabilities: &capabilities,
    };
    let every = options.validate_every.max(1);
    let max = options.max_requests.unwrap_or(u64::MAX);
    let mut latencies = histogram();
    let mut row = BenchResult {
        name: format!("codec/{}@{}", input.class, input.encoding),
        target: target_name.to_owned(),
        conformant: true,
        ..BenchResult::default()
    };
    let mut bytes = 0usize;
    let cpu_before = process_cpu();
    let start = Instant::now();
    while row.requests < max && start.elapsed() < options.duration {
        let sent = Instant::now();
        let echo = target.echo(&input.message, reply).await;
        let took = sent.elapsed();
        let _ = latencies.record(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX).max(1));
        row.requests += 1;
        bytes += message_size(&input.message) + reply_size(&echo);
        if let Echo::Broken { reason, .. } = &echo {
            row.errors += 1;
            row.first_problem.get_or_insert_with(|| reason.clone());
            continue;
        }
        row.events += input.events as u64;
        if (row.requests - 1).is_multiple_of(every) {
            row.validated += 1;
            let verdict = judge(
                &input.case,
                reply,
                &echo,
                &view,
                JudgeOptions::default(),
                took,
            );
            if matches!(verdict.status, Status::Fail | Status::Error) {
                row.non_conformant += 1;
                row.first_problem
                    .get_or_insert_with(|| format!("{}: {}", input.case.id, verdict.message));
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64().max(1e-9);
    finish(&mut row, elapsed, bytes, cpu_before);
    row.latency = Latency::from_nanos(&latencies);
    row
}

/// Fills the rates, the verdict and the CPU figures of a finished row.
pub(crate) fn finish(
    row: &mut BenchResult,
    elapsed: f64,
    bytes: usize,
    cpu_before: Option<(f64, f64)>,
) {
    row.duration_seconds = elapsed;
    row.events_per_second = row.events as f64 / elapsed;
    row.requests_per_second = row.requests as f64 / elapsed;
    row.megabytes_per_second = bytes as f64 / elapsed / 1e6;
    row.conformant = row.non_conformant == 0 && row.events > 0;
    if let (Some((u0, s0)), Some((u1, s1))) = (cpu_before, process_cpu()) {
        let (user, system) = (u1 - u0, s1 - s0);
        row.cpu = Some(Cpu {
            user_seconds: user,
            system_seconds: system,
            per_request_us: if row.requests > 0 {
                (user + system) / row.requests as f64 * 1e6
            } else {
                0.0
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::inputs::Inputs;
    use crate::codec::Encoding;
    use crate::target::reference::Reference;
    use crate::target::{Capabilities, Implementation, ImplementationInfo, InProcess};

    /// An implementation that drops every extension: not conformant.
    struct Lossy;

    impl Implementation for Lossy {
        type Event = crate::event::Event;
        fn info(&self) -> ImplementationInfo {
            ImplementationInfo::default()
        }
        fn capabilities(&self) -> Capabilities {
            crate::target::all_capabilities()
        }
        fn decode(&self, m: &Message) -> Result<Vec<Self::Event>, String> {
            let mut events = Reference.decode(m)?;
            for e in &mut events {
                e.remove("benchext01");
            }
            Ok(events)
        }
        fn encode(&self, e: &[Self::Event], enc: Encoding) -> Result<Message, String> {
            Reference.encode(e, enc)
        }
    }

    fn options() -> CodecOptions {
        CodecOptions {
            duration: Duration::from_millis(30),
            max_requests: Some(50),
            warmup: Duration::ZERO,
            validate_every: 1,
        }
    }

    #[tokio::test]
    async fn the_reference_is_conformant_and_a_lossy_target_is_flagged() {
        let inputs = Inputs::load().unwrap();
        let input = inputs.get("extensions-30", Encoding::Json).unwrap();
        let row = measure(&InProcess(Reference), "reference", input, &options()).await;
        assert!(row.conformant, "{row:?}");
        assert!(row.requests > 0 && row.requests <= 50);
        assert_eq!(row.validated, row.requests);
        assert!(row.events_per_second > 0.0 && row.latency.p50 > 0.0);
        let row = measure(&InProcess(Lossy), "lossy", input, &options()).await;
        assert!(!row.conformant);
        assert_eq!(row.non_conformant, row.requests);
        assert!(row.first_problem.is_some());
        let batch = inputs.batch(10).unwrap();
        let row = measure(&InProcess(Reference), "reference", batch, &options()).await;
        assert_eq!(row.events, row.requests * 10);
    }
}
