//! Escaping for every report format: one function per output (terminal,
//! HTML, XML, Markdown). Every string that came from a target (error texts,
//! headers, bodies, even its name and version) goes through one of these
//! before it reaches a report.
//!
//! All four first make invisible characters visible: C0 and C1 controls and
//! DEL (except newline and tab), the Unicode bidirectional overrides used in
//! "Trojan Source" attacks, and the noncharacters U+FFFE/U+FFFF are written
//! as `\u{1b}`-style text. This keeps a hostile `ESC[2J` from clearing a
//! terminal, keeps XML 1.0 well-formed (those characters are not allowed in
//! it), and shows the reader what the target really sent. A literal
//! backslash is left as it is, so the text `\u{1b}` and the character ESC
//! render alike; the reports favour readability over that distinction.
//!
//! Not for: escaping inside a JSON document (serde_json does that) or inside
//! a quick-junit value (it escapes markup itself; the JUnit writer passes it
//! [`terminal`] text).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Returns true for characters shown as `\u{..}` in every format.
fn is_hidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{fffe}' | '\u{ffff}')
}

/// Writes `s` into a new string, passing each character through `f`;
/// returns `s` unchanged (borrowed) when `needs` holds for no character.
fn map_chars(s: &str, needs: impl Fn(char) -> bool, f: impl Fn(char, &mut String)) -> Cow<'_, str> {
    if !s.chars().any(&needs) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        f(c, &mut out);
    }
    Cow::Owned(out)
}

fn push_visible(c: char, out: &mut String) {
    // `write!` to a String cannot fail.
    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
}

/// Returns `s` safe for a terminal: control characters (except newline and
/// tab), bidi overrides and noncharacters are written as `\u{1b}`.
pub fn terminal(s: &str) -> Cow<'_, str> {
    map_chars(s, is_hidden, |c, out| {
        if is_hidden(c) {
            push_visible(c, out);
        } else {
            out.push(c);
        }
    })
}

/// Returns `s` safe as HTML text or as a double- or single-quoted attribute
/// value: `& < > " '` become entities and hidden characters are made visible.
pub fn html(s: &str) -> Cow<'_, str> {
    markup(s, "&#39;")
}

/// Returns `s` safe as XML 1.0 text or attribute value: `& < > " '` become
/// entities and characters XML 1.0 forbids (and other hidden ones) are made
/// visible, so the document stays well-formed.
pub fn xml(s: &str) -> Cow<'_, str> {
    markup(s, "&apos;")
}

fn markup<'a>(s: &'a str, apos: &'static str) -> Cow<'a, str> {
    let special = |c: char| matches!(c, '&' | '<' | '>' | '"' | '\'') || is_hidden(c);
    map_chars(s, special, |c, out| match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str(apos),
        c if is_hidden(c) => push_visible(c, out),
        c => out.push(c),
    })
}

/// Returns `s` safe as inline GitHub-flavoured Markdown, table cells
/// included: markup characters are backslash-escaped, `& < >` become
/// entities (so no raw HTML gets through), newlines become `<br>`, tabs
/// spaces, and hidden characters are made visible.
///
/// For a block of text (a transcript) the Markdown writer uses an HTML
/// `<pre>` with [`html`] instead: GitHub renders it and nothing inside is
/// interpreted.
pub fn markdown(s: &str) -> Cow<'_, str> {
    let special = |c: char| {
        matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '<' | '>' | '&' | '\n' | '\t'
        ) || is_hidden(c)
    };
    map_chars(s, special, |c, out| match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '\n' => out.push_str("<br>"),
        '\t' => out.push(' '),
        '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
            out.push('\\');
            out.push(c);
        }
        c if is_hidden(c) => push_visible(c, out),
        c => out.push(c),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "<script>alert('1\")</script>\u{1b}[31m\u{7}&\r\u{202e}";

    #[test]
    fn terminal_makes_controls_visible() {
        assert_eq!(terminal("plain\ttext\n"), "plain\ttext\n");
        assert!(matches!(terminal("plain"), Cow::Borrowed(_)));
        assert_eq!(
            terminal("a\u{1b}[2Jb\u{7}\r\u{9b}\u{7f}\u{202e}\u{ffff}"),
            "a\\u{1b}[2Jb\\u{7}\\u{d}\\u{9b}\\u{7f}\\u{202e}\\u{ffff}"
        );
    }

    #[test]
    fn html_escapes_markup_and_controls() {
        assert_eq!(
            html(HOSTILE),
            "&lt;script&gt;alert(&#39;1&quot;)&lt;/script&gt;\\u{1b}[31m\\u{7}&amp;\\u{d}\\u{202e}"
        );
        assert_eq!(html("a\nb"), "a\nb");
    }

    #[test]
    fn xml_escapes_markup_and_forbidden_characters() {
        let out = xml(HOSTILE);
        assert_eq!(
            out,
            "&lt;script&gt;alert(&apos;1&quot;)&lt;/script&gt;\\u{1b}[31m\\u{7}&amp;\\u{d}\\u{202e}"
        );
        // Nothing XML 1.0 forbids is left.
        assert!(!out.chars().any(|c| c < ' ' && c != '\n' && c != '\t'));
    }

    #[test]
    fn markdown_escapes_inline_markup() {
        assert_eq!(
            markdown("a|b `c` *d* _e_ [f](g) ~h~ \\ <i> & j\nk\tl"),
            "a\\|b \\`c\\` \\*d\\* \\_e\\_ \\[f\\](g) \\~h\\~ \\\\ &lt;i&gt; &amp; j<br>k l"
        );
        let out = markdown(HOSTILE);
        assert!(!out.contains('<') || out.contains("<br>"));
        assert!(!out.contains("<script"));
        assert!(!out.contains('\u{1b}'));
        assert!(out.contains("\\u{1b}"));
    }
}
