//! The HTML report (`--html FILE`): one self-contained file (inline CSS,
//! inline SVG, a few lines of inline script, nothing fetched: a
//! Content-Security-Policy of `default-src 'none'` makes sure of it).
//!
//! Sections, in order: targets (scores and counts), the targets x suites
//! matrix, the capability matrix (declared against results), rule coverage
//! by level with every rule in a fold, benchmark charts when the report has
//! them, every deviation with its requirement, expected versus actual and
//! transcript, the known failures grouped by expectations entry, and a
//! table of all results. The script only adds filters by
//! status, target and suite; without it everything is shown. For a report
//! split by target ([`super::split`]) there are two more kinds of page: the
//! index ([`Options::target_pages`]), where each target links to its own
//! page and the known failures and the results are left to those, and each
//! target's page ([`Options::index_page`]), which links back to the index
//! for the interop matrix.
//!
//! Hand-written rather than templated: the page is small, the escaping is
//! explicit at each insertion (every string goes through [`super::escape::html`];
//! links only when they are `http(s)` URLs), and the output is
//! deterministic for snapshot tests.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::escape::html as esc;
use super::model::{BenchRow, CapabilityState, Counts, LEVELS, Report, RuleInfo};
use super::transcript;
use crate::runner::{CaseResult, Status};

const CSS: &str = include_str!("assets/report.css");
const SCRIPT: &str = include_str!("assets/filter.js");
/// The most transcript text one deviation shows.
const MAX_TRANSCRIPT: usize = 64 * 1024;

/// How a page is written.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// When not empty, the page is an index of a report split by target
    /// ([`super::split`]): the link to each target's own page, in the
    /// order of the report's targets. The index links each target to its
    /// page and leaves the known failures and the table of all results,
    /// which are most of a large matrix, to those pages.
    pub target_pages: Vec<String>,
    /// When set, the page is one target's part of a split report: its
    /// header links back to this index page, which has the interop
    /// matrix (the run's, the same on every part) in its stead.
    pub index_page: Option<String>,
}

impl Options {
    fn is_index(&self) -> bool {
        !self.target_pages.is_empty()
    }
}

/// Writes `report` as one self-contained HTML page.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    write_with(report, &Options::default(), out)
}

/// Writes `report` as one self-contained HTML page written as `options` say.
pub fn write_with(report: &Report, options: &Options, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(render_with(report, options).as_bytes())
}

/// Returns `report` as one self-contained HTML page.
pub fn render(report: &Report) -> String {
    render_with(report, &Options::default())
}

/// Returns `report` as one self-contained HTML page written as `options` say.
pub fn render_with(report: &Report, options: &Options) -> String {
    let rules = report.rule_index();
    let mut out = String::with_capacity(64 * 1024);
    let title = format!(
        "CloudEvents conformance — {} {}",
        report.tool.name, report.tool.version
    );
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    header(&mut out, report, options);
    out.push_str("<main>\n");
    targets(&mut out, report, options);
    matrix(&mut out, report);
    capabilities(&mut out, report);
    match &options.index_page {
        Some(index) if report.interop.is_some() => {
            let _ = writeln!(
                out,
                "<section id=\"interop\">\n<h2>Interop</h2>\n<p class=\"muted\">The interop matrix compares every target of the run with the others: it is on <a href=\"{}#interop\">the index page</a>.</p>\n</section>",
                esc(index)
            );
        }
        _ => out.push_str(&interop_section(report)),
    }
    coverage(&mut out, report);
    bench(&mut out, report);
    deviations(&mut out, report, &rules);
    if !options.is_index() {
        known_failures(&mut out, report, &rules);
        results(&mut out, report);
    }
    let _ = write!(
        out,
        "</main>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n"
    );
    out
}

/// Returns `url` escaped for an `href` when it is an http(s) URL, so a
/// `javascript:` link from an expectations file never becomes clickable.
fn safe_href(url: &str) -> Option<String> {
    let lower = url.trim_start().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| esc(url).into_owned())
}

fn link_or_text(url: &str, text: &str) -> String {
    match safe_href(url) {
        Some(href) => format!("<a href=\"{href}\">{}</a>", esc(text)),
        None => esc(text).into_owned(),
    }
}

fn header(out: &mut String, report: &Report, options: &Options) {
    let _ = write!(
        out,
        "<header>\n<h1>CloudEvents conformance report</h1>\n<p class=\"meta\">{} {} · report format {}{} · {} target(s) · {} result(s)</p>\n",
        esc(&report.tool.name),
        esc(&report.tool.version),
        esc(&report.format_version),
        report
            .started_at
            .as_deref()
            .map(|s| format!(" · started {}", esc(s)))
            .unwrap_or_default(),
        report.targets.len(),
        report.tally.total(),
    );
    if let Some(judging) = report.judging.describe() {
        let _ = writeln!(out, "<p class=\"meta\">Judging: {}.</p>", esc(&judging));
    }
    out.push_str("<nav>");
    if let Some(index) = &options.index_page {
        let _ = write!(out, "<a href=\"{}\">All targets</a>", esc(index));
    }
    out.push_str("<a href=\"#targets\">Targets</a><a href=\"#matrix\">Suites</a><a href=\"#capabilities\">Capabilities</a>");
    if report.interop.is_some() {
        out.push_str("<a href=\"#interop\">Interop</a>");
    }
    out.push_str("<a href=\"#coverage\">Coverage</a>");
    if report.bench.is_some() {
        out.push_str("<a href=\"#bench\">Benchmarks</a>");
    }
    out.push_str("<a href=\"#deviations\">Deviations</a>");
    if !options.is_index() {
        if report.results.iter().any(CaseResult::is_expected_failure) {
            out.push_str("<a href=\"#known\">Known failures</a>");
        }
        out.push_str("<a href=\"#results\">All results</a>");
    }
    out.push_str("</nav>\n</header>\n");
}

/// Returns the CSS class of a counts cell: ok, warn, bad or none.
fn class_of(c: &Counts) -> &'static str {
    if c.ran() == 0 {
        "none"
    } else if c.failing() > 0 {
        "bad"
    } else if c.warn + c.info + c.expected > 0 {
        "warn"
    } else {
        "ok"
    }
}

fn counts_title(c: &Counts) -> String {
    format!(
        "pass {}, fail {}, warn {}, info {}, skip {}, error {}, known {}",
        c.pass, c.fail, c.warn, c.info, c.skip, c.error, c.expected
    )
}

fn targets(out: &mut String, report: &Report, options: &Options) {
    out.push_str("<section id=\"targets\">\n<h2>Targets</h2>\n");
    if options.is_index() {
        out.push_str("<p class=\"muted\">Each target's page has its known failures and the table of all its results.</p>\n");
    }
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr><th>Target</th><th>Implementation</th><th>Address</th><th>MUST</th><th>SHOULD</th><th>MAY</th><th>Pass</th><th>Fail</th><th>Warn</th><th>Info</th><th>Skip</th><th>Error</th><th>Known</th></tr></thead>\n<tbody>\n");
    for (i, t) in report.targets.iter().enumerate() {
        let imp = &t.target.implementation;
        let name = match options.target_pages.get(i) {
            Some(page) => format!("<a href=\"{}\">{}</a>", esc(page), esc(&t.target.name)),
            None => esc(&t.target.name).into_owned(),
        };
        let _ = write!(
            out,
            "<tr><th class=\"{}\">{}</th><td>{} {}{}</td><td><code>{}</code></td>",
            class_of(&t.tally),
            name,
            esc(&imp.name),
            esc(&imp.version),
            if imp.language.is_empty() {
                String::new()
            } else {
                format!(" <span class=\"muted\">({})</span>", esc(&imp.language))
            },
            esc(&t.target.address),
        );
        for level in LEVELS {
            let s = t.score(level);
            match s.percent() {
                Some(p) => {
                    let _ = write!(
                        out,
                        "<td class=\"n\"><span class=\"bar\"><span style=\"width:{p}%\"></span></span>{p}% ({}/{})</td>",
                        s.passed, s.ran
                    );
                }
                None => out.push_str("<td class=\"n muted\">—</td>"),
            }
        }
        let c = &t.tally;
        for n in [c.pass, c.fail, c.warn, c.info, c.skip, c.error, c.expected] {
            let _ = write!(out, "<td class=\"n\">{n}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
    if !report.target_failures.is_empty() {
        out.push_str("<h3>Targets that could not be used</h3>\n<ul>\n");
        for f in &report.target_failures {
            let _ = writeln!(
                out,
                "<li><b>{}</b>: <pre>{}</pre></li>",
                esc(&f.target),
                esc(&f.reason)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

fn target_heads(out: &mut String, report: &Report) {
    for t in &report.targets {
        let _ = write!(out, "<th>{}</th>", esc(&t.target.name));
    }
}

fn matrix(out: &mut String, report: &Report) {
    out.push_str("<section id=\"matrix\">\n<h2>Suites × targets</h2>\n<p class=\"muted\">Each cell: results passed / results run (skips left out). Green: all passed; yellow: warnings, MAY notes or known failures; red: failures or errors; grey: nothing ran.</p>\n<div class=\"scroll\"><table>\n<thead><tr><th>Suite</th>");
    target_heads(out, report);
    out.push_str("</tr></thead>\n<tbody>\n");
    for suite in &report.suites {
        let _ = write!(out, "<tr><th>{}</th>", esc(suite));
        for t in &report.targets {
            let c = t.suites.get(suite).copied().unwrap_or_default();
            let text = if c.ran() == 0 {
                if c.skip > 0 {
                    "skipped".to_owned()
                } else {
                    "—".to_owned()
                }
            } else {
                format!("{}/{}", c.pass, c.ran())
            };
            let _ = write!(
                out,
                "<td class=\"{}\" title=\"{}\">{text}</td>",
                class_of(&c),
                counts_title(&c)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

fn state_class(s: CapabilityState) -> &'static str {
    match s {
        CapabilityState::Passing => "ok",
        CapabilityState::ClaimedButFailing => "bad",
        CapabilityState::PassingButUnclaimed => "warn",
        CapabilityState::Untested | CapabilityState::Unclaimed => "none",
    }
}

fn capabilities(out: &mut String, report: &Report) {
    let mut names: Vec<&str> = report
        .targets
        .iter()
        .flat_map(|t| t.capability_matrix.iter().map(|c| c.capability.as_str()))
        .collect();
    // Adapter-supplied glue after the implementation's own capabilities.
    names.sort_unstable_by_key(|n| (crate::target::is_adapter_supplied(n), *n));
    names.dedup();
    out.push_str("<section id=\"capabilities\">\n<h2>Capabilities</h2>\n<p class=\"muted\">What each target declares, checked against the results of the cases that need the capability: <b>passing</b> (declared, every case passed), <b>claimed but failing</b>, <b>untested</b> (declared, nothing ran), <b>unclaimed</b> (not declared, cases skipped), <b>passing but unclaimed</b>.</p>\n<div class=\"scroll\"><table>\n<thead><tr><th>Capability</th>");
    target_heads(out, report);
    out.push_str("</tr></thead>\n<tbody>\n");
    for name in names {
        let _ = write!(out, "<tr><th>{}</th>", esc(name));
        for t in &report.targets {
            match t.capability_matrix.iter().find(|c| c.capability == name) {
                Some(c) if c.adapter_supplied && c.declared => {
                    out.push_str("<td class=\"none adapter\" title=\"declared; supplied by the adapter, not the implementation\">adapter-supplied</td>");
                }
                Some(c) => {
                    let _ = write!(
                        out,
                        "<td class=\"{}\" title=\"{}{}\">{}</td>",
                        state_class(c.state),
                        if c.declared {
                            "declared; "
                        } else {
                            "not declared; "
                        },
                        counts_title(&c.counts),
                        c.state.as_str().replace('-', " ")
                    );
                }
                None => out.push_str("<td class=\"none\">unclaimed</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

/// Returns the interop section (empty when the report has no interop
/// matrix): per encoding, a producer × consumer table whose cells are
/// coloured by pass ratio, then every pair that broke with its failure
/// kinds and breaking cases.
pub fn interop_section(report: &Report) -> String {
    let Some(m) = &report.interop else {
        return String::new();
    };
    let mut out = String::new();
    let (clean, broken) = m.clean_and_broken();
    let _ = write!(
        out,
        "<section id=\"interop\">\n<h2>Interop</h2>\n<p class=\"muted\">Each producer (row) encodes the case in the table's encoding; each consumer (column) decodes that message and replies in the encoding shown under its name; the reply, decoded by the strict reference, must be equivalent to the case's expected event. The <b>reference</b> row tests each consumer alone, its column each producer alone. {} case(s) from {}; {clean} pair(s) with no break, {broken} with at least one. A producer that rejects a case is left out (its own results say why).</p>\n",
        m.cases,
        if m.suites.is_empty() {
            "every suite".to_owned()
        } else {
            m.suites
                .iter()
                .map(|s| format!("<code>{}</code>", esc(s)))
                .collect::<Vec<_>>()
                .join(", ")
        },
    );
    for encoding in m.encodings() {
        let consumers = m.consumers(encoding);
        let producers = m.producers(encoding);
        let _ = write!(
            out,
            "<h3>{encoding}</h3>\n<div class=\"scroll\"><table class=\"interop\">\n<thead><tr><th>producer ↓ consumer →</th><th>produced</th>"
        );
        for c in &consumers {
            let reply = m
                .cells
                .iter()
                .find(|x| &x.consumer == *c && x.encoding == encoding)
                .map(|x| x.reply.as_str())
                .unwrap_or_default();
            let _ = write!(
                out,
                "<th>{}<br><span class=\"muted\">replies {reply}</span></th>",
                esc(c)
            );
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for p in &producers {
            let row = m.producer(p, encoding);
            let _ = write!(
                out,
                "<tr><th>{}</th><td class=\"n\" title=\"{}\">{}/{}</td>",
                esc(p),
                row.map(|r| format!(
                    "attempted {}, produced {}, rejected {}, errors {}",
                    r.attempted, r.produced, r.rejected, r.errors
                ))
                .unwrap_or_default(),
                row.map_or(0, |r| r.produced),
                row.map_or(0, |r| r.attempted),
            );
            for c in &consumers {
                if p == c {
                    out.push_str("<td class=\"none\">—</td>");
                    continue;
                }
                let found = m.cells.iter().enumerate().find(|(_, x)| {
                    &x.producer == *p && &x.consumer == *c && x.encoding == encoding
                });
                match found.filter(|(_, x)| x.total() > 0) {
                    Some((index, cell)) => {
                        let ratio = cell.ratio().unwrap_or(0.0);
                        let class = if cell.failed == 0 {
                            "ok"
                        } else if ratio >= 0.5 {
                            "warn"
                        } else {
                            "bad"
                        };
                        let title: Vec<String> = cell
                            .top_kinds()
                            .iter()
                            .map(|(k, n)| format!("{k}: {n}"))
                            .collect();
                        let _ = write!(
                            out,
                            "<td class=\"{class}\" style=\"background:hsl({:.0},70%,88%)\" title=\"{}\">{}",
                            120.0 * ratio,
                            esc(&title.join("; ")),
                            cell.passed
                        );
                        let _ = write!(out, "/{}", cell.total());
                        if cell.failed > 0 {
                            let _ = write!(out, " <a href=\"#io-{index}\">why</a>");
                        }
                        out.push_str("</td>");
                    }
                    None => out.push_str("<td class=\"none\">—</td>"),
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table></div>\n");
    }
    let broken: Vec<_> = m
        .cells
        .iter()
        .enumerate()
        .filter(|(_, c)| c.failed > 0)
        .collect();
    if !broken.is_empty() {
        let _ = write!(
            out,
            "<h3>Pairs that broke ({})</h3>\n<p class=\"muted\">At most {} failing cases are listed per pair; the counts by kind cover them all (a case counts under each kind of difference it shows).</p>\n",
            broken.len(),
            m.max_listed
        );
    }
    for (index, cell) in broken {
        let _ = write!(
            out,
            "<details id=\"io-{index}\"><summary><b>{}</b> → <b>{}</b> in {}: {} of {} broke</summary>\n<ul>\n",
            esc(&cell.producer),
            esc(&cell.consumer),
            cell.encoding,
            cell.failed,
            cell.total()
        );
        for (kind, n) in cell.top_kinds() {
            let _ = writeln!(out, "<li>{} × {n}</li>", esc(kind));
        }
        out.push_str("</ul>\n<table>\n<thead><tr><th>Case</th><th>Kind</th><th>Differences</th></tr></thead>\n<tbody>\n");
        for f in &cell.failures {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&f.case),
                esc(&f.kind),
                esc(&f.detail)
            );
        }
        out.push_str("</tbody></table>\n</details>\n");
    }
    out.push_str("</section>\n");
    out
}

fn coverage(out: &mut String, report: &Report) {
    out.push_str("<section id=\"coverage\">\n<h2>Rule coverage</h2>\n<table>\n<thead><tr><th>Level</th><th>Rules</th><th>Testable</th><th>Covered by a case</th><th>Testable, not covered</th></tr></thead>\n<tbody>\n");
    for c in &report.coverage.summary {
        let pct = (c.covered * 100).checked_div(c.testable).unwrap_or(0);
        let _ = write!(
            out,
            "<tr><th>{}</th><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\"><span class=\"bar\"><span style=\"width:{pct}%\"></span></span>{} ({pct}%)</td><td>",
            c.level, c.rules, c.testable, c.covered
        );
        let ids: Vec<String> = c
            .uncovered
            .iter()
            .map(|id| format!("<code>{}</code>", esc(id)))
            .collect();
        out.push_str(&ids.join(" "));
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody></table>\n");
    let _ = write!(
        out,
        "<details><summary>Every rule ({})</summary>\n<div class=\"scroll\"><table>\n<thead><tr><th>Rule</th><th>Level</th><th>Section</th><th>Requirement</th><th>Cases</th>",
        report.coverage.rules.len()
    );
    target_heads(out, report);
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in &report.coverage.rules {
        let rule = &r.rule;
        let _ = write!(
            out,
            "<tr id=\"rule-{}\"><th>{}</th><td><span class=\"lvl\">{}</span></td><td>{}</td><td>{}{}</td><td class=\"n\">{}</td>",
            esc(&rule.id),
            link_or_text(&rule.url, &rule.id),
            rule.level,
            esc(&rule.section_label()),
            esc(&rule.text),
            if rule.testable {
                ""
            } else {
                " <span class=\"muted\">(not testable)</span>"
            },
            r.cases.len()
        );
        for t in &report.targets {
            match r.targets.get(&t.target.name) {
                Some(c) => {
                    let _ = write!(
                        out,
                        "<td class=\"{}\" title=\"{}\">{}/{}</td>",
                        class_of(c),
                        counts_title(c),
                        c.pass,
                        c.ran()
                    );
                }
                None => out.push_str("<td class=\"none\">—</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n</details>\n</section>\n");
}

/// Returns an inline SVG bar chart of benchmark rows: one bar per row,
/// grouped by benchmark name, longest bar = fastest. Rows that fail
/// conformance are drawn grey and labelled, never ranked.
pub fn bench_svg(rows: &[BenchRow]) -> String {
    const WIDTH: f64 = 760.0;
    const LABEL: f64 = 300.0;
    const ROW: f64 = 22.0;
    let max = rows
        .iter()
        .filter(|r| r.conformant)
        .map(|r| r.events_per_second)
        .fold(0.0_f64, f64::max)
        .max(rows.iter().map(|r| r.events_per_second).fold(0.0, f64::max))
        .max(1.0);
    // Room right of the longest bar for its value (and the flag).
    let room = if rows.iter().all(|r| r.conformant) {
        110.0
    } else {
        240.0
    };
    let height = ROW * rows.len() as f64 + 8.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Benchmark results, events per second\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\">\n"
    );
    let _ = writeln!(
        svg,
        "<line class=\"axis\" x1=\"{LABEL}\" y1=\"0\" x2=\"{LABEL}\" y2=\"{height}\"/>"
    );
    for (i, r) in rows.iter().enumerate() {
        let y = ROW * i as f64 + 4.0;
        let w = ((WIDTH - LABEL - room) * r.events_per_second / max).max(1.0);
        let colour = if r.conformant { "#2da44e" } else { "#8c959f" };
        let note = if r.conformant {
            ""
        } else {
            " (fails conformance)"
        };
        let _ = writeln!(
            svg,
            "<text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"end\">{} · {}</text>\
             <rect x=\"{LABEL}\" y=\"{y:.0}\" width=\"{w:.1}\" height=\"{:.0}\" fill=\"{colour}\"><title>{:.0} events/s{note}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.0}\">{:.0}/s{note}</text>",
            LABEL - 6.0,
            y + 14.0,
            esc(&r.name),
            esc(&r.target),
            ROW - 6.0,
            r.events_per_second,
            LABEL + w + 4.0,
            y + 14.0,
            r.events_per_second,
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn bench(out: &mut String, report: &Report) {
    let Some(bench) = &report.bench else {
        return;
    };
    out.push_str("<section id=\"bench\">\n<h2>Benchmarks</h2>\n");
    match report.bench_rows() {
        Some(rows) if !rows.is_empty() => out.push_str(&bench_svg(&rows)),
        _ => {
            let _ = writeln!(
                out,
                "<pre>{}</pre>",
                esc(&serde_json::to_string_pretty(bench).unwrap_or_default())
            );
        }
    }
    out.push_str("</section>\n");
}

/// Returns the status key used for filtering and colour: the status, or
/// `known` for an expected failure.
fn status_key(r: &CaseResult) -> &'static str {
    if r.is_expected_failure() {
        "known"
    } else {
        r.status.as_str()
    }
}

fn select(out: &mut String, name: &str, label: &str, values: &[&str]) {
    let _ = write!(
        out,
        "<label>{label} <select name=\"{name}\"><option value=\"\">all</option>"
    );
    for v in values {
        let v = esc(v);
        let _ = write!(out, "<option value=\"{v}\">{v}</option>");
    }
    out.push_str("</select></label>\n");
}

fn deviations(out: &mut String, report: &Report, rules: &HashMap<&str, &RuleInfo>) {
    let all = report.deviations();
    let expected = all.iter().filter(|r| r.is_expected_failure()).count();
    let list: Vec<&CaseResult> = all
        .into_iter()
        .filter(|r| !r.is_expected_failure())
        .collect();
    // Each result's position in the report, for its `r-N` anchor.
    let index: HashMap<*const CaseResult, usize> = report
        .results
        .iter()
        .enumerate()
        .map(|(i, r)| (r as *const CaseResult, i))
        .collect();
    let _ = write!(
        out,
        "<section id=\"deviations\">\n<h2>Deviations ({})</h2>\n<form id=\"filters\" hidden>\n",
        list.len()
    );
    select(
        out,
        "status",
        "Status",
        &["fail", "error", "warn", "info", "known", "skip", "pass"],
    );
    let names: Vec<&str> = report
        .targets
        .iter()
        .map(|t| t.target.name.as_str())
        .collect();
    select(out, "target", "Target", &names);
    let suites: Vec<&str> = report.suites.iter().map(String::as_str).collect();
    select(out, "suite", "Suite", &suites);
    out.push_str("<button type=\"reset\">Clear</button> <span class=\"muted\"><span id=\"shown\"></span> deviation(s) shown</span>\n</form>\n");
    if list.is_empty() && expected == 0 {
        out.push_str("<p>None: every result that ran passed.</p>\n");
    } else if list.is_empty() {
        let _ = writeln!(
            out,
            "<p>None beyond the {expected} known failure(s) (<a href=\"#known\">below</a>).</p>"
        );
    } else if expected > 0 {
        let _ = writeln!(
            out,
            "<p class=\"muted\">The {expected} known failure(s) are grouped by their expectations entry <a href=\"#known\">below</a>.</p>"
        );
    }
    for r in list {
        let key = status_key(r);
        let id = index.get(&(r as *const CaseResult)).copied().unwrap_or(0);
        let _ = write!(
            out,
            "<article class=\"result s-{key}\" id=\"r-{id}\" data-status=\"{key}\" data-target=\"{}\" data-suite=\"{}\">\n\
             <h3><span class=\"badge s-{key}\">{key}</span> <code>{}</code> on <b>{}</b> <span class=\"lvl\">{}</span></h3>\n",
            esc(&r.target),
            esc(&r.suite),
            esc(&r.name()),
            esc(&r.target),
            r.level,
        );
        if let Some(case) = report.case(&r.case).filter(|c| !c.title.is_empty()) {
            let _ = writeln!(out, "<p class=\"muted\">{}</p>", esc(&case.title));
        }
        let _ = writeln!(out, "<p class=\"msg\">{}</p>", esc(&r.message));
        if !r.rules.is_empty() {
            out.push_str("<ul class=\"rules\">\n");
            for id in &r.rules {
                match rules.get(id.as_str()) {
                    Some(rule) => {
                        let _ = writeln!(
                            out,
                            "<li>{} <span class=\"lvl\">{}</span> {} — {}</li>",
                            link_or_text(&rule.url, id),
                            rule.level,
                            esc(&rule.section_label()),
                            esc(&rule.text)
                        );
                    }
                    None => {
                        let _ = writeln!(out, "<li>{}</li>", esc(id));
                    }
                }
            }
            out.push_str("</ul>\n");
        }
        evidence(out, r);
        out.push_str("</article>\n");
    }
    out.push_str("</section>\n");
}

/// What a result shows beyond its message: the findings, expected against
/// actual, and the transcript.
fn evidence(out: &mut String, r: &CaseResult) {
    if !r.findings.is_empty() {
        out.push_str("<ul class=\"findings\">\n");
        for f in &r.findings {
            let _ = writeln!(
                out,
                "<li><code>{}</code> <span class=\"lvl\">{}</span> {}</li>",
                esc(&f.rule),
                f.level,
                esc(&f.message)
            );
        }
        out.push_str("</ul>\n");
    }
    if r.expected.is_some() || r.actual.is_some() {
        out.push_str("<div class=\"cmp\">");
        for (label, v) in [("Expected", &r.expected), ("Actual", &r.actual)] {
            let _ = write!(
                out,
                "<div><h4>{label}</h4><pre>{}</pre></div>",
                v.as_deref().map(esc).unwrap_or_default()
            );
        }
        out.push_str("</div>\n");
    }
    if let Some(t) = &r.transcript {
        let text = transcript::render(t);
        if !text.is_empty() {
            let _ = writeln!(
                out,
                "<details><summary>Transcript</summary><pre>{}</pre></details>",
                esc(&transcript::clip(&text, MAX_TRANSCRIPT))
            );
        }
    }
}

/// Expected failures, one fold per entry of a target's expectations file
/// (target, reason and link): the entry's rules named once, a row per
/// result, and the evidence of the first result as an example. A matrix of
/// SDKs has thousands of them that differ only in the case; written out one
/// by one they were most of the page and hid the unexpected deviations.
fn known_failures(out: &mut String, report: &Report, rules: &HashMap<&str, &RuleInfo>) {
    type Entry<'r> = (&'r str, &'r str, Option<&'r str>);
    // Each result with its position in the report, for its `r-N` anchor.
    let mut groups: Vec<(Entry<'_>, Vec<(usize, &CaseResult)>)> = Vec::new();
    let mut slot: HashMap<Entry<'_>, usize> = HashMap::new();
    for (i, r) in report.results.iter().enumerate() {
        let Some(k) = r.known_failure.as_ref().filter(|_| r.is_expected_failure()) else {
            continue;
        };
        let key = (r.target.as_str(), k.reason.as_str(), k.link.as_deref());
        let at = *slot.entry(key).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        });
        groups[at].1.push((i, r));
    }
    if groups.is_empty() {
        return;
    }
    // Targets in report order; within a target, the largest entries first.
    let order: HashMap<&str, usize> = report
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| (t.target.name.as_str(), i))
        .collect();
    groups.sort_by_key(|((target, _, _), results)| {
        (
            order.get(target).copied().unwrap_or(usize::MAX),
            std::cmp::Reverse(results.len()),
        )
    });
    let total: usize = groups.iter().map(|(_, r)| r.len()).sum();
    let _ = write!(
        out,
        "<section id=\"known\">\n<h2>Known failures ({total})</h2>\n\
         <p class=\"muted\">Results that fail as the target's expectations file says they do, grouped by its entries ({}). \
         Each fold names the entry's rules, lists its results, and shows the evidence of the first one; the JSON report has every result's.</p>\n",
        groups.len()
    );
    for ((target, reason, link), results) in &groups {
        let _ = write!(
            out,
            "<details class=\"known\">\n<summary><span class=\"badge s-known\">known failure</span> <b>{}</b> · {} result(s) · {}",
            esc(target),
            results.len(),
            esc(reason)
        );
        if let Some(link) = link {
            let _ = write!(out, " ({})", link_or_text(link, link));
        }
        out.push_str("</summary>\n");
        let mut ids: Vec<&str> = results
            .iter()
            .flat_map(|(_, r)| r.rules.iter().map(String::as_str))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if !ids.is_empty() {
            let links: Vec<String> = ids
                .iter()
                .map(|id| match rules.get(id) {
                    Some(rule) => link_or_text(&rule.url, id),
                    None => esc(id).into_owned(),
                })
                .collect();
            let _ = writeln!(out, "<p class=\"rules\">{}</p>", links.join(", "));
        }
        out.push_str("<div class=\"scroll\"><table>\n<thead><tr><th>Result</th><th>Level</th><th>Message</th></tr></thead>\n<tbody>\n");
        for (id, r) in results {
            let _ = writeln!(
                out,
                "<tr id=\"r-{id}\" data-status=\"known\" data-target=\"{}\" data-suite=\"{}\"><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&r.target),
                esc(&r.suite),
                esc(&r.name()),
                r.level,
                esc(&r.message)
            );
        }
        out.push_str("</tbody></table></div>\n");
        if let Some((_, first)) = results.first() {
            let _ = writeln!(out, "<h4>Example: <code>{}</code></h4>", esc(&first.name()));
            evidence(out, first);
        }
        out.push_str("</details>\n");
    }
    out.push_str("</section>\n");
}

fn results(out: &mut String, report: &Report) {
    let _ = write!(
        out,
        "<section id=\"results\">\n<h2>All results</h2>\n<details><summary>{} result(s)</summary>\n<div class=\"scroll\"><table>\n<thead><tr><th>Result</th><th>Target</th><th>Status</th><th>Level</th><th>Message</th></tr></thead>\n<tbody>\n",
        report.results.len()
    );
    for (i, r) in report.results.iter().enumerate() {
        let key = status_key(r);
        let name = if matches!(r.status, Status::Pass | Status::Skip) {
            format!("<code>{}</code>", esc(&r.name()))
        } else {
            format!("<a href=\"#r-{i}\"><code>{}</code></a>", esc(&r.name()))
        };
        let _ = writeln!(
            out,
            "<tr data-status=\"{key}\" data-target=\"{}\" data-suite=\"{}\"><td>{name}</td><td>{}</td><td><span class=\"badge s-{key}\">{key}</span></td><td>{}</td><td>{}</td></tr>",
            esc(&r.target),
            esc(&r.suite),
            esc(&r.target),
            r.level,
            esc(&r.message)
        );
    }
    out.push_str("</tbody></table></div>\n</details>\n</section>\n");
}
