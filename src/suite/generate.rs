//! Generated fixture bytes: inputs too large or too repetitive to store
//! (a 16 MiB body, JSON nested 100,000 deep, 100,000 headers), written as
//! a recipe that the loader expands (`body_generate`, `headers_generate`,
//! `text_generate` in `suites/README.md`).
//!
//! A recipe is a list of parts, each a literal `text` or a `repeat`ed
//! string, `times` copies (where `{i}` stands for the copy's index) or cut
//! to exactly `bytes` bytes. Sizes are
//! computed before anything is allocated, one message may grow to at most
//! [`MAX_GENERATED_BYTES`] and [`MAX_GENERATED_HEADERS`], and all the
//! messages of one suite file to [`MAX_SUITE_GENERATED_BYTES`] and
//! [`MAX_SUITE_GENERATED_HEADERS`]: a recipe is data from a suite file,
//! and a suite file must not be able to exhaust memory. Recipes are refused outside suite fixtures (the child-process
//! protocol, transcripts), where the other side is not trusted.

use serde::{Deserialize, Serialize};

use super::input::InputError;
use crate::wire::Header;

/// The most bytes one message may be generated into (headers and body).
/// Fuzzing builds (`--cfg fuzzing`, set by cargo-fuzz) allow 1 MiB, so the
/// suite-loader fuzzer spends its time on parsing, not on memset.
pub const MAX_GENERATED_BYTES: u64 = if cfg!(fuzzing) { 1 << 20 } else { 64 << 20 };

/// The most headers the `headers_generate` of one message may produce.
pub const MAX_GENERATED_HEADERS: u64 = 1_000_000;

/// The most bytes all the messages of one suite file may be generated into.
pub const MAX_SUITE_GENERATED_BYTES: u64 = 128 << 20;

/// The most headers all the messages of one suite file may generate.
pub const MAX_SUITE_GENERATED_HEADERS: u64 = 2_000_000;

/// The placeholder a generated header's name and value replace by its index.
pub const INDEX: &str = "{i}";

/// A recipe: one part, or a list of parts concatenated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Generate {
    One(Part),
    Many(Vec<Part>),
}

/// One part of a recipe: `text`, or `repeat` with `times` or `bytes`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<String>,
    /// How many copies of `repeat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    /// Copies of `repeat` cut to exactly this many bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
}

/// `count` headers named `name` (with `{i}` replaced by 0, 1, ...), each
/// with the value `value` (`{i}` replaced too) or built by `value_generate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadersGenerate {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_generate: Option<Generate>,
    /// Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

fn err<T>(message: impl Into<String>) -> Result<T, InputError> {
    Err(InputError(message.into()))
}

/// What one message (by default) or one suite file may still grow by.
#[derive(Debug)]
pub struct Budget {
    bytes: u64,
    headers: u64,
    max_bytes: u64,
    max_headers: u64,
    what: &'static str,
}

impl Default for Budget {
    fn default() -> Self {
        Self::new(MAX_GENERATED_BYTES, MAX_GENERATED_HEADERS, "input")
    }
}

impl Budget {
    fn new(max_bytes: u64, max_headers: u64, what: &'static str) -> Self {
        Self {
            bytes: max_bytes,
            headers: max_headers,
            max_bytes,
            max_headers,
            what,
        }
    }

    /// Returns the budget of a whole suite file.
    pub fn for_suite() -> Self {
        Self::new(
            MAX_SUITE_GENERATED_BYTES,
            MAX_SUITE_GENERATED_HEADERS,
            "suite file",
        )
    }

    /// Charges what `message` (a spent message budget) generated.
    pub fn charge(&mut self, message: &Budget) -> Result<(), InputError> {
        self.take(
            message.max_bytes - message.bytes,
            message.max_headers - message.headers,
        )
    }

    fn take(&mut self, bytes: u64, headers: u64) -> Result<(), InputError> {
        if bytes > self.bytes {
            return err(format!(
                "the generated {} exceeds the limit of {} bytes",
                self.what, self.max_bytes
            ));
        }
        if headers > self.headers {
            return err(format!(
                "the generated {} exceeds the limit of {} headers",
                self.what, self.max_headers
            ));
        }
        self.bytes -= bytes;
        self.headers -= headers;
        Ok(())
    }
}

/// Returns the number of decimal digits in 0, 1, ..., n - 1 together.
fn digits_below(n: u64) -> u64 {
    let mut total = 0u64;
    let mut low = 0u64;
    let mut high = 10u64;
    let mut width = 1u64;
    while low < n {
        let count = n.min(high) - low;
        total = total.saturating_add(count.saturating_mul(width));
        low = high;
        high = high.saturating_mul(10);
        width += 1;
    }
    total
}

impl Part {
    /// Returns the number of bytes the part produces, checking its shape.
    fn len(&self) -> Result<u64, InputError> {
        match (&self.text, &self.repeat, self.times, self.bytes) {
            (Some(t), None, None, None) => Ok(t.len() as u64),
            (None, Some(r), _, _) if r.is_empty() => err("repeat: the string to repeat is empty"),
            (None, Some(r), Some(times), None) => {
                // Each `{i}` becomes the copy's index, 0 to times - 1.
                let k = r.matches(INDEX).count() as u64;
                let fixed = (r.len() as u64 - 3 * k).checked_mul(times);
                let indices = digits_below(times).checked_mul(k);
                fixed
                    .zip(indices)
                    .and_then(|(a, b)| a.checked_add(b))
                    .map_or_else(|| err("repeat: the size overflows"), Ok)
            }
            (None, Some(r), None, Some(_)) if r.contains(INDEX) => {
                err("repeat: a string with {i} takes times, not bytes")
            }
            (None, Some(_), None, Some(bytes)) => Ok(bytes),
            (None, Some(_), _, _) => err("repeat: give exactly one of times and bytes"),
            (Some(_), ..) => err("a part is either text or repeat, without times or bytes"),
            (None, None, ..) => err("a part needs text or repeat"),
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        match (&self.text, &self.repeat) {
            (Some(t), _) => out.extend_from_slice(t.as_bytes()),
            (None, Some(r)) if r.contains(INDEX) => {
                for i in 0..self.times.unwrap_or(0) {
                    out.extend_from_slice(r.replace(INDEX, &i.to_string()).as_bytes());
                }
            }
            (None, Some(r)) => {
                let want = self.len().unwrap_or(0) as usize;
                let end = out.len() + want;
                while out.len() + r.len() <= end {
                    out.extend_from_slice(r.as_bytes());
                }
                out.extend_from_slice(&r.as_bytes()[..end - out.len()]);
            }
            (None, None) => {}
        }
    }
}

impl Generate {
    fn parts(&self) -> &[Part] {
        match self {
            Self::One(p) => std::slice::from_ref(p),
            Self::Many(ps) => ps,
        }
    }

    /// Returns the number of bytes the recipe produces, without building it.
    pub fn len(&self) -> Result<u64, InputError> {
        self.parts().iter().try_fold(0u64, |sum, p| {
            sum.checked_add(p.len()?)
                .map_or_else(|| err("the generated size overflows"), Ok)
        })
    }

    /// Returns true if and only if the recipe produces no bytes.
    pub fn is_empty(&self) -> bool {
        self.len().is_ok_and(|n| n == 0)
    }

    /// Builds the bytes, charging them to `budget` first.
    pub fn build(&self, budget: &mut Budget) -> Result<Vec<u8>, InputError> {
        let len = self.len()?;
        budget.take(len, 0)?;
        let mut out = Vec::with_capacity(len as usize);
        for part in self.parts() {
            part.write(&mut out);
        }
        Ok(out)
    }
}

impl HeadersGenerate {
    /// Appends the generated headers to `out`, charging them to `budget` first.
    pub fn build(&self, budget: &mut Budget, out: &mut Vec<Header>) -> Result<(), InputError> {
        let count = self.count.unwrap_or(1);
        if self.name.is_empty() {
            return err("headers_generate: the name is empty");
        }
        let value_len = match (&self.value, &self.value_generate) {
            (Some(v), None) => v.len() as u64,
            (None, Some(g)) => g.len()?,
            (None, None) => 0,
            (Some(_), Some(_)) => {
                return err("headers_generate: give value or value_generate, not both");
            }
        };
        // Each index adds at most 7 digits to the name and to the value.
        let per = (self.name.len() as u64 + 7 + 4).saturating_add(value_len.saturating_add(7));
        budget.take(per.saturating_mul(count), count)?;
        let fixed = self.value_generate.as_ref().map(|g| {
            let mut v = Vec::with_capacity(value_len as usize);
            for p in g.parts() {
                p.write(&mut v);
            }
            v
        });
        let indexed_name = self.name.contains(INDEX);
        let indexed_value = self.value.as_ref().is_some_and(|v| v.contains(INDEX));
        out.reserve(count as usize);
        for i in 0..count {
            let index = i.to_string();
            let name = if indexed_name {
                self.name.replace(INDEX, &index)
            } else {
                self.name.clone()
            };
            let value = match (&self.value, &fixed) {
                (Some(v), _) if indexed_value => v.replace(INDEX, &index).into_bytes(),
                (Some(v), _) => v.as_bytes().to_vec(),
                (None, Some(f)) => f.clone(),
                (None, None) => Vec::new(),
            };
            out.push((name, value));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(
        text: Option<&str>,
        repeat: Option<&str>,
        times: Option<u64>,
        bytes: Option<u64>,
    ) -> Part {
        Part {
            text: text.map(Into::into),
            repeat: repeat.map(Into::into),
            times,
            bytes,
        }
    }

    #[test]
    fn builds_recipes() {
        let g = Generate::Many(vec![
            part(Some("{\"d\":"), None, None, None),
            part(None, Some("["), Some(3), None),
            part(None, Some("]"), Some(3), None),
            part(None, Some("ab"), None, Some(5)),
        ]);
        let indexed = Generate::One(part(None, Some(",\"x{i}\":{i}"), Some(12), None));
        let built = indexed.build(&mut Budget::default()).unwrap();
        assert_eq!(indexed.len().unwrap(), built.len() as u64);
        assert!(built.starts_with(b",\"x0\":0,\"x1\":1") && built.ends_with(b",\"x11\":11"));
        assert_eq!(digits_below(0), 0);
        assert_eq!(digits_below(10), 10);
        assert_eq!(digits_below(100_000), 488_890);
        assert_eq!(g.len().unwrap(), 16);
        assert_eq!(
            g.build(&mut Budget::default()).unwrap(),
            b"{\"d\":[[[]]]ababa"
        );
        let big = Generate::One(part(None, Some("x"), None, Some(16 << 20)));
        assert_eq!(big.build(&mut Budget::default()).unwrap().len(), 16 << 20);
    }

    #[test]
    fn refuses_bad_or_oversized_recipes() {
        for (p, wanted) in [
            (part(None, None, None, None), "needs text or repeat"),
            (
                part(Some("a"), Some("b"), None, None),
                "either text or repeat",
            ),
            (part(None, Some(""), Some(1), None), "empty"),
            (part(None, Some("a"), Some(1), Some(1)), "exactly one"),
            (part(None, Some("ab"), Some(u64::MAX), None), "overflows"),
            (
                part(None, Some("a"), None, Some(MAX_GENERATED_BYTES + 1)),
                "exceeds the limit",
            ),
        ] {
            let e = Generate::One(p).build(&mut Budget::default()).unwrap_err();
            assert!(e.0.contains(wanted), "{e}");
        }
        // The budget is shared by everything one message generates.
        let mut budget = Budget::default();
        let half = Generate::One(part(
            None,
            Some("a"),
            None,
            Some(MAX_GENERATED_BYTES / 2 + 1),
        ));
        assert!(half.build(&mut budget).is_ok());
        assert!(half.build(&mut budget).is_err());
        // And a suite file's by all its messages.
        let mut suite = Budget::for_suite();
        let mut spent = Budget::default();
        spent.take(MAX_GENERATED_BYTES, 0).unwrap();
        suite.charge(&spent).unwrap();
        suite.charge(&spent).unwrap();
        let e = suite.charge(&spent).unwrap_err();
        assert!(e.0.contains("suite file exceeds"), "{e}");
    }

    #[test]
    fn generates_indexed_headers() {
        let mut out = Vec::new();
        let h = HeadersGenerate {
            name: "ce-ext{i}".into(),
            value: Some("v{i}".into()),
            value_generate: None,
            count: Some(3),
        };
        h.build(&mut Budget::default(), &mut out).unwrap();
        assert_eq!(out[2], ("ce-ext2".into(), b"v2".to_vec()));
        let many = HeadersGenerate {
            count: Some(MAX_GENERATED_HEADERS + 1),
            ..h
        };
        assert!(many.build(&mut Budget::default(), &mut out).is_err());
    }
}
