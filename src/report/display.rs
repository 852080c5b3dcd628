//! How the terminal report looks: progress display, colour and verbosity,
//! decided once from the user's choices and facts about the environment
//! that the binary looks up and passes in (the library never reads the
//! environment, style rule 12).

/// What the user asked for with `--progress`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProgressChoice {
    #[default]
    Auto,
    Bar,
    Counter,
    Off,
}

/// What the user asked for with `--color`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// How much the terminal report says (`-q`, default, `-v`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Only lines for results that are not `ok` or skipped, then the summary.
    Quiet,
    /// One line per result, then failures and errors in detail.
    #[default]
    Normal,
    /// Also durations on each line and warnings in detail.
    Verbose,
}

/// The progress display that was decided on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// An animated bar on stderr.
    Bar,
    /// A plain status line on stderr now and then (for CI logs).
    Counter,
    /// Nothing besides the result lines.
    Off,
}

/// The user's display choices, before the environment is considered.
#[derive(Clone, Copy, Debug, Default)]
pub struct DisplayRequest {
    pub progress: ProgressChoice,
    pub color: ColorChoice,
    pub verbosity: Verbosity,
}

/// The resolved display settings the terminal reporter follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DisplayConfig {
    pub progress: Progress,
    pub color: bool,
    pub verbosity: Verbosity,
}

impl DisplayConfig {
    /// Resolves the user's choices against the environment.
    ///
    /// `is_terminal` is true when a person watches: the report stream
    /// (stdout) and stderr, where the bar is drawn, are both terminals.
    /// `is_ci` is true under a CI system (`CI`, `GITHUB_ACTIONS`, ...),
    /// `no_color` when `NO_COLOR` is set and not empty, `term_dumb` when
    /// `TERM=dumb`. All are passed in, never looked up, so the table is testable:
    ///
    /// | `--progress` | terminal | CI  | dumb | progress |
    /// |--------------|----------|-----|------|----------|
    /// | `auto`       | yes      | no  | no   | bar      |
    /// | `auto`       | any      | yes | any  | counter (some CI systems fake a terminal but cannot draw a bar) |
    /// | `auto`       | otherwise         ||| off      |
    /// | `bar`        | any      | any | any  | bar (indicatif still hides it where nothing can draw it) |
    /// | `counter`    | any      | any | any  | counter  |
    /// | `off`        | any      | any | any  | off      |
    ///
    /// | `--color` | terminal | `NO_COLOR` | dumb | colour |
    /// |-----------|----------|------------|------|--------|
    /// | `auto`    | yes      | unset      | no   | yes    |
    /// | `auto`    | otherwise                  ||| no     |
    /// | `always`  | any      | any        | any  | yes (an explicit flag beats `NO_COLOR`) |
    /// | `never`   | any      | any        | any  | no     |
    pub fn resolve(
        request: DisplayRequest,
        is_terminal: bool,
        is_ci: bool,
        no_color: bool,
        term_dumb: bool,
    ) -> Self {
        let progress = match request.progress {
            ProgressChoice::Auto if is_ci => Progress::Counter,
            ProgressChoice::Auto if is_terminal && !term_dumb => Progress::Bar,
            ProgressChoice::Auto | ProgressChoice::Off => Progress::Off,
            ProgressChoice::Bar => Progress::Bar,
            ProgressChoice::Counter => Progress::Counter,
        };
        let color = match request.color {
            ColorChoice::Auto => is_terminal && !no_color && !term_dumb,
            ColorChoice::Always => true,
            ColorChoice::Never => false,
        };
        Self {
            progress,
            color,
            verbosity: request.verbosity,
        }
    }

    /// Returns plain settings: no progress, no colour, normal verbosity.
    pub fn plain() -> Self {
        Self {
            progress: Progress::Off,
            color: false,
            verbosity: Verbosity::Normal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(progress: ProgressChoice, color: ColorChoice, env: [bool; 4]) -> (Progress, bool) {
        let request = DisplayRequest {
            progress,
            color,
            verbosity: Verbosity::Normal,
        };
        let c = DisplayConfig::resolve(request, env[0], env[1], env[2], env[3]);
        (c.progress, c.color)
    }

    #[test]
    fn the_decision_table_holds() {
        use ColorChoice as C;
        use ProgressChoice as P;
        // [terminal, ci, no_color, dumb]
        let person = [true, false, false, false];
        let ci_pty = [true, true, false, false];
        let piped = [false, false, false, false];
        let dumb = [true, false, false, true];
        let no_color = [true, false, true, false];
        assert_eq!(resolve(P::Auto, C::Auto, person), (Progress::Bar, true));
        assert_eq!(resolve(P::Auto, C::Auto, ci_pty), (Progress::Counter, true));
        assert_eq!(resolve(P::Auto, C::Auto, piped), (Progress::Off, false));
        assert_eq!(resolve(P::Auto, C::Auto, dumb), (Progress::Off, false));
        assert_eq!(resolve(P::Auto, C::Auto, no_color), (Progress::Bar, false));
        assert_eq!(resolve(P::Bar, C::Always, piped), (Progress::Bar, true));
        assert_eq!(
            resolve(P::Counter, C::Always, no_color),
            (Progress::Counter, true)
        );
        assert_eq!(resolve(P::Off, C::Never, person), (Progress::Off, false));
    }
}
