//! An event typed as its attributes are read: the shared core of the
//! decoders' fast paths (`json::fast`, `http::fast`).
//!
//! The [`EventBuilder`](super::builder::EventBuilder) collects every
//! attribute first and types them in a second pass, so that it can report
//! every violation whatever the order. A fast path instead types each
//! attribute the moment it reads it and pushes it straight into the
//! [`Event`], and gives up (every method here returns `None`) as soon as the
//! input is not plainly valid: a repeated name (or two names sharing a
//! fingerprint), a value that breaks a MUST, an attribute whose typing
//! depends on a specversion not read yet, more than [`MAX_ATTRIBUTES`]
//! attributes, a missing required one. The decoder then starts again with
//! the full path, which finds and reports the problem (so input given up on
//! is read at most twice: linear still, whatever a hostile sender makes of
//! it). Both apply the same
//! checks ([`super::typing::Checker`]), so what a fast path accepts is what
//! the full path returns, warnings included; each fast path's tests compare
//! the two over the corpus and its mutations.

use super::builder::{RawValue, fingerprint};
use super::typing::{Chars, Checked, Checker, typed_by_version};
use crate::event::{Event, Known, SpecVersion, Text};
use crate::rules::Violation;

/// Events with more attributes than this take the full path, whose name
/// index stays fast however many there are.
pub(crate) const MAX_ATTRIBUTES: usize = 48;

/// An event being read by a fast path.
pub(crate) struct Direct {
    event: Event,
    version: Option<SpecVersion>,
    violations: Vec<Violation>,
    /// The attributes the spec defines that were read so far, one bit per
    /// [`Known`] class: those names are told apart without hashing them.
    known_seen: u16,
    /// Fingerprints of the other names read so far.
    seen: [u64; MAX_ATTRIBUTES],
    /// How many of `seen` are fingerprints.
    others: usize,
    /// How many names were read, of either kind: `others` plus the bits
    /// of `known_seen`, kept rather than counted because, built for no
    /// particular CPU, counting bits takes a dozen instructions on every
    /// name (a minimal event's decode and drop: 4.15k, and 4.21k counted).
    count: usize,
    /// Whether id, source and type were read.
    required: [bool; 3],
}

impl Direct {
    /// Returns an empty event with room for `capacity` attributes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            event: Event::with_capacity(SpecVersion::V1_0, capacity),
            version: None,
            violations: Vec::new(),
            known_seen: 0,
            seen: [0; MAX_ATTRIBUTES],
            others: 0,
            count: 0,
            required: [false; 3],
        }
    }

    /// Returns an empty event with room for the attributes of a binary-mode
    /// message with `headers` header names: one each, less the specversion
    /// header (not stored as an attribute), the content type standing for
    /// datacontenttype. Exact for a message of CloudEvents headers and a
    /// content type, never regrown for a large one, and bounded by
    /// [`MAX_ATTRIBUTES`] (past which decoding gives up anyway). A fixed
    /// dozen slots (768 bytes) was four times a minimal event's need, held
    /// as long as a receiver keeps the event; the bench's time did not move
    /// either way (benches/bench-notes.md).
    pub(crate) fn for_headers(headers: usize) -> Self {
        Self::with_capacity(headers.saturating_sub(1).clamp(1, MAX_ATTRIBUTES))
    }

    /// Notes that a member or attribute `name`, classified `known`, was
    /// read; `None` when it (or, for a name the spec does not define, a
    /// name with its fingerprint) was read before, or there are too many.
    #[inline]
    pub(crate) fn note(&mut self, known: Known, name: &str) -> Option<()> {
        if self.count == MAX_ATTRIBUTES {
            return None;
        }
        if known == Known::Other {
            let fp = fingerprint(name);
            if self.seen[..self.others].contains(&fp) {
                return None;
            }
            self.seen[self.others] = fp;
            self.others += 1;
        } else {
            let bit = 1 << known as u16;
            if self.known_seen & bit != 0 {
                return None;
            }
            self.known_seen |= bit;
        }
        self.count += 1;
        Some(())
    }

    /// Classifies and notes the attribute a binary-mode header names (what
    /// follows its `ce-` or `ce_` prefix); `None` where [`Direct::note`]
    /// gives up, and for `datacontenttype`, which a binding carries in its
    /// content type: a header of that name is a binding fault, left to the
    /// full path to report.
    #[inline]
    pub(crate) fn note_header(&mut self, attribute: &str) -> Option<Known> {
        if attribute == "datacontenttype" {
            return None;
        }
        let known = Known::of(attribute);
        self.note(known, attribute)?;
        Some(known)
    }

    /// Reads the `specversion` value.
    pub(crate) fn specversion(&mut self, text: &str) -> Option<()> {
        self.version = Some(SpecVersion::parse(text)?);
        Some(())
    }

    /// The version to type attribute `name` with: the one read, or, before
    /// it is read, any for an attribute that types alike in every version.
    fn typing_version(&self, known: Known, name: &str) -> Option<SpecVersion> {
        match self.version {
            Some(v) => Some(v),
            None if typed_by_version(known, name) => None,
            None => Some(SpecVersion::V1_0),
        }
    }

    /// Checks and pushes attribute `name` (classified `known`, not
    /// `specversion`) with a string value, of whose characters the caller
    /// knows `chars`.
    pub(crate) fn string(
        &mut self,
        known: Known,
        name: &str,
        text: &str,
        chars: Chars,
    ) -> Option<()> {
        self.string_kept(known, name, text, chars, Text::new)
    }

    /// Checks and pushes attribute `name` like [`Direct::string`], its text
    /// (when it is kept as it is) made by `keep`: a copy, or a slice of a
    /// body the decoder shares.
    #[inline]
    pub(crate) fn string_kept(
        &mut self,
        known: Known,
        name: &str,
        text: &str,
        chars: Chars,
        keep: impl FnOnce(&str) -> Text,
    ) -> Option<()> {
        let checked = self.check_string(known, name, text, chars)?;
        // The text is kept only now that it is known to be valid.
        self.push_checked(known, name, checked, || keep(text));
        Some(())
    }

    /// Checks attribute `name`'s name and string value like
    /// [`Direct::string`], without pushing it: for a decoder that then moves
    /// the value's text into the event ([`Direct::push_checked`]) rather
    /// than copying it.
    #[inline]
    pub(crate) fn check_string(
        &mut self,
        known: Known,
        name: &str,
        text: &str,
        chars: Chars,
    ) -> Option<Checked> {
        self.check(known, name, |checker, version| {
            let kind = known.attribute_type(version);
            checker.check_string(name, known, text, chars, kind, version)
        })?
    }

    /// Pushes attribute `name` with a value [`Direct::check_string`]
    /// checked, its text (when it is kept as it is) made by `text`.
    #[inline]
    pub(crate) fn push_checked(
        &mut self,
        known: Known,
        name: &str,
        checked: Checked,
        text: impl FnOnce() -> Text,
    ) {
        match checked {
            Checked::Text(kind) => {
                self.mark_required(known);
                self.event.push_new_text(known, name, kind, text);
            }
            Checked::Parsed(value) => self.push(known, name, *value),
        }
    }

    /// Reads a binary-mode message's content type as `datacontenttype`.
    pub(crate) fn content_type(&mut self, ct: &[u8], chars: Chars) -> Option<()> {
        let ct = std::str::from_utf8(ct).ok()?;
        let checked = self.check_content_type(ct, chars)?;
        self.push_checked(Known::DataContentType, "datacontenttype", checked, || {
            Text::new(ct)
        });
        Some(())
    }

    /// Notes and checks a binary-mode message's content type as
    /// `datacontenttype` like [`Direct::content_type`], without pushing it
    /// (see [`Direct::check_string`]).
    pub(crate) fn check_content_type(&mut self, ct: &str, chars: Chars) -> Option<Checked> {
        self.note(Known::DataContentType, "datacontenttype")?;
        self.check_string(Known::DataContentType, "datacontenttype", ct, chars)
    }

    /// Checks and pushes attribute `name` (classified `known`, not
    /// `specversion`) with a JSON value other than a string; a null leaves
    /// it unset.
    pub(crate) fn value(&mut self, known: Known, name: &str, raw: &RawValue<'_>) -> Option<()> {
        let typed = self.check(known, name, |checker, version| {
            checker.type_value(name, known, raw, version)
        })?;
        // No value and no error: a null.
        if let Some(value) = typed {
            self.push(known, name, value);
        }
        Some(())
    }

    /// Checks attribute `name`'s name and, with `check`, its value; `None`
    /// when either breaks a MUST or the version to type it with is not known.
    #[inline]
    fn check<T>(
        &mut self,
        known: Known,
        name: &str,
        check: impl FnOnce(&mut Checker<'_>, SpecVersion) -> Option<T>,
    ) -> Option<Option<T>> {
        let version = self.typing_version(known, name)?;
        let before = self.violations.len();
        let mut checker = Checker {
            violations: &mut self.violations,
        };
        if known == Known::Other {
            checker.check_name(name, version);
        }
        let typed = check(&mut checker, version);
        self.refuse_errors(before)?;
        Some(typed)
    }

    /// `None` when a violation pushed since `before` is an error.
    fn refuse_errors(&self, before: usize) -> Option<()> {
        (!self.violations[before..].iter().any(Violation::is_error)).then_some(())
    }

    #[inline]
    fn push(&mut self, known: Known, name: &str, value: crate::event::AttributeValue) {
        self.mark_required(known);
        self.event.push_new_known(known, name, value);
    }

    #[inline(always)]
    fn mark_required(&mut self, known: Known) {
        match known {
            Known::Id => self.required[0] = true,
            Known::Source => self.required[1] = true,
            Known::Type => self.required[2] = true,
            _ => {}
        }
    }

    /// Returns the event as read so far, whatever it lacks: for a decoder
    /// that gives up and must recover what it moved into it.
    pub(crate) fn into_partial_event(self) -> Event {
        self.event
    }

    /// Whether `specversion` and every other required attribute were read:
    /// whether [`Direct::finish`] returns the event.
    pub(crate) fn is_complete(&self) -> bool {
        self.version.is_some() && !self.required.contains(&false)
    }

    /// Returns the event (without data) and its warnings; `None` when
    /// `specversion` or another required attribute was not read.
    pub(crate) fn finish(self) -> Option<(Event, Vec<Violation>)> {
        let version = self.version?;
        if !self.is_complete() {
            return None;
        }
        let mut event = self.event;
        event.set_specversion(version);
        Some((event, self.violations))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_read_twice_is_refused_whichever_kind_it_is() {
        let mut direct = Direct::with_capacity(4);
        for name in ["id", "source", "specversion", "myext", "myext2"] {
            assert_eq!(direct.note(Known::of(name), name), Some(()), "{name}");
        }
        for name in ["id", "specversion", "myext"] {
            assert_eq!(direct.note(Known::of(name), name), None, "{name}");
        }
    }

    #[test]
    fn more_names_than_the_limit_are_refused_whichever_kind_they_are() {
        let mut direct = Direct::with_capacity(4);
        assert_eq!(direct.note(Known::Id, "id"), Some(()));
        for n in 1..MAX_ATTRIBUTES {
            let name = format!("ext{n}");
            assert_eq!(direct.note(Known::Other, &name), Some(()), "{name}");
        }
        assert_eq!(direct.note(Known::Source, "source"), None);
        assert_eq!(direct.note(Known::Other, "one-more"), None);
    }
}
