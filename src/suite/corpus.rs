//! Where suites come from: a directory (`--suites DIR`), the corpus
//! compiled into the binary, or both with the directories overriding.
//!
//! The `check_*` functions go on after a problem and return every suite
//! that loads plus every problem (a [`Checked`]); the `load_*` functions
//! stop at the first problem. Parsing and checking one file is
//! [`super::load`]'s job.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::load::{check_file, check_str, read_limited};
use super::{Suite, embedded};
use crate::error::LoadError;
use crate::rules::Catalog;

/// Suites that loaded and the problems found, each with the file it is in.
#[derive(Debug, Default)]
pub struct Checked {
    /// Sorted by id, ids unique.
    pub suites: Vec<Suite>,
    /// In file order; a file may have several.
    pub problems: Vec<(PathBuf, LoadError)>,
}

impl Checked {
    /// Returns the suites, or the first problem.
    pub fn into_result(self) -> Result<Vec<Suite>, LoadError> {
        match self.problems.into_iter().next() {
            Some((_, e)) => Err(e),
            None => Ok(self.suites),
        }
    }

    fn add(&mut self, path: &Path, result: Result<Suite, Vec<LoadError>>) {
        match result {
            Ok(suite) => self.suites.push(suite),
            Err(errors) => self
                .problems
                .extend(errors.into_iter().map(|e| (path.to_owned(), e))),
        }
    }

    /// Sorts by id and turns a second suite with an id already taken into a problem.
    fn finish(mut self) -> Self {
        self.suites
            .sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.path.cmp(&b.path)));
        let mut unique: Vec<Suite> = Vec::with_capacity(self.suites.len());
        for suite in self.suites {
            match unique.last() {
                Some(previous) if previous.id == suite.id => {
                    let message = format!(
                        "suite id {:?} is also used by {}",
                        suite.id,
                        previous.path.display()
                    );
                    self.problems.push((
                        suite.path.clone(),
                        LoadError::Invalid {
                            path: suite.path,
                            message,
                        },
                    ));
                }
                _ => unique.push(suite),
            }
        }
        self.suites = unique;
        self
    }
}

/// Returns the fixtures directory of a suite directory: `<dir>/fixtures`
/// when it exists, else the sibling `<dir>/../fixtures` (the repository
/// layout: `suites/` beside `fixtures/`), else `None`.
pub fn fixtures_dir_for(dir: &Path) -> Option<PathBuf> {
    let inside = dir.join("fixtures");
    if inside.is_dir() {
        return Some(inside);
    }
    let sibling = match dir.parent() {
        Some(parent) => parent.join("fixtures"),
        None => dir.join("../fixtures"),
    };
    sibling.is_dir().then_some(sibling)
}

/// Lists the suite files under `dir`, recursively, sorted: every `*.yaml`
/// except `rules.yaml`, skipping hidden entries and `<dir>/fixtures`.
pub fn suite_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    if !dir.is_dir() {
        let source = std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory of suites");
        return Err(LoadError::Io {
            path: dir.to_owned(),
            source,
        });
    }
    let skip = dir.join("fixtures");
    let mut out = Vec::new();
    walk(dir, &skip, 0, &mut out)?;
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, skip: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    // Deep enough for any real layout, shallow enough to stop a symlink loop.
    const MAX_DEPTH: usize = 16;
    let io = |source| LoadError::Io {
        path: dir.to_owned(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with('.') || path == skip {
            continue;
        }
        let meta = std::fs::metadata(&path).map_err(|source| LoadError::Io {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            if depth >= MAX_DEPTH {
                return Err(LoadError::Invalid {
                    path,
                    message: format!("suite directories nest deeper than {MAX_DEPTH} levels"),
                });
            }
            walk(&path, skip, depth + 1, out)?;
        } else if name.ends_with(".yaml") && name != "rules.yaml" {
            out.push(path);
        }
    }
    Ok(())
}

/// Checks every suite under `dir` (recursively; see [`suite_files`]),
/// reading `*_file` names from [`fixtures_dir_for`]`(dir)`.
pub fn check_dir(dir: &Path, catalog: &Catalog) -> Checked {
    let mut checked = Checked::default();
    let files = match suite_files(dir) {
        Ok(files) => files,
        Err(e) => {
            checked.problems.push((dir.to_owned(), e));
            return checked;
        }
    };
    let fixtures = fixtures_dir_for(dir);
    for path in files {
        checked.add(&path, check_file(&path, fixtures.as_deref(), catalog));
    }
    checked.finish()
}

/// Loads every suite under `dir`, sorted by id; two files with one suite
/// id are an error. Stops at the first problem.
pub fn load_dir(dir: &Path, catalog: &Catalog) -> Result<Vec<Suite>, LoadError> {
    check_dir(dir, catalog).into_result()
}

fn embedded_resolve(name: &str) -> Result<Vec<u8>, String> {
    embedded::fixture(name)
        .map(<[u8]>::to_vec)
        .ok_or_else(|| format!("fixtures/{name}: no such fixture file is compiled into the binary"))
}

/// Checks one embedded file, shown as `suites/<relative>`.
fn check_embedded_file(
    relative: &str,
    bytes: &[u8],
    catalog: &Catalog,
) -> (PathBuf, Result<Suite, Vec<LoadError>>) {
    let path = Path::new("suites").join(relative);
    let result = match std::str::from_utf8(bytes) {
        Ok(text) => check_str(text, &path, catalog, &embedded_resolve),
        Err(e) => Err(vec![LoadError::Yaml {
            path: path.clone(),
            message: format!(
                "the file is not UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        }]),
    };
    (path, result)
}

/// Checks the suites compiled into the binary (`suites/**/*.yaml` at build
/// time); their `*_file` names read the embedded `fixtures/`.
pub fn check_embedded(catalog: &Catalog) -> Checked {
    let mut checked = Checked::default();
    for (relative, bytes) in embedded::suites() {
        let (path, result) = check_embedded_file(relative, bytes, catalog);
        checked.add(&path, result);
    }
    checked.finish()
}

/// Loads the embedded suites, sorted by id. Stops at the first problem.
pub fn load_embedded(catalog: &Catalog) -> Result<Vec<Suite>, LoadError> {
    check_embedded(catalog).into_result()
}

/// Loads only the embedded suite with id `id` (`None` if there is none): a
/// fast path for running one case by name.
pub fn load_embedded_suite(id: &str, catalog: &Catalog) -> Result<Option<Suite>, LoadError> {
    let Some((relative, bytes)) = embedded::suites()
        .iter()
        .find(|(relative, _)| stem(Path::new(relative)) == Some(id))
    else {
        return Ok(None);
    };
    check_embedded_file(relative, bytes, catalog)
        .1
        .map(Some)
        .map_err(|mut errors| errors.swap_remove(0))
}

fn stem(path: &Path) -> Option<&str> {
    path.file_stem().and_then(|s| s.to_str())
}

/// Checks the embedded suites, then each directory of `extra_dirs` in turn
/// (`--suites DIR`): a suite whose id is already loaded replaces it (and a
/// problem of the embedded file with that stem is forgotten), a new id is
/// added. Later directories win over earlier ones.
pub fn check_with_overrides(extra_dirs: &[PathBuf], catalog: &Catalog) -> Checked {
    let base = check_embedded(catalog);
    let mut by_id: BTreeMap<String, Suite> =
        base.suites.into_iter().map(|s| (s.id.clone(), s)).collect();
    let mut problems = base.problems;
    for dir in extra_dirs {
        let layer = check_dir(dir, catalog);
        for suite in layer.suites {
            problems.retain(|(path, _)| {
                !(path.starts_with("suites") && stem(path) == Some(suite.id.as_str()))
            });
            by_id.insert(suite.id.clone(), suite);
        }
        problems.extend(layer.problems);
    }
    Checked {
        suites: by_id.into_values().collect(),
        problems,
    }
}

/// Loads the embedded suites overridden by `extra_dirs` (see
/// [`check_with_overrides`]). Stops at the first problem.
pub fn load_with_overrides(
    extra_dirs: &[PathBuf],
    catalog: &Catalog,
) -> Result<Vec<Suite>, LoadError> {
    check_with_overrides(extra_dirs, catalog).into_result()
}

/// Reads a file under the fixtures directory `dir`, with the suite size limit.
pub(crate) fn read_fixture_file(dir: &Path, name: &str) -> Result<Vec<u8>, String> {
    read_limited(&dir.join(name)).map_err(|e| e.to_string())
}
