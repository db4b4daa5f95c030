//! Reading calendar files, following `extends` to the layers below (the only module that touches
//! the file system).

use std::path::{Path, PathBuf};

use crate::{Calendar, CalendarError, CalendarSpec};

/// How many files one calendar may stack through `extends`.
const MAX_DEPTH: usize = 16;

/// The largest calendar file [`Calendar::load`] reads, in bytes (1 MiB; the bundled China
/// calendar is 4 KB). Parsing TOML takes some fifty times the text's size in memory, so the limit
/// bounds what a file can cost.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// Reads a calendar file, refusing one larger than [`MAX_FILE_BYTES`] without reading it all.
fn read_limited(path: &Path) -> Result<String, CalendarError> {
    use std::io::Read as _;
    let io = |source| CalendarError::Io { path: path.to_path_buf(), source };
    let too_large = || CalendarError::TooLarge { path: path.to_path_buf(), limit: MAX_FILE_BYTES };
    // A regular file is refused by its size, unread; anything else no further than the limit.
    if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > MAX_FILE_BYTES) {
        return Err(too_large());
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| CalendarError::Invalid {
        file: Some(path.to_path_buf()),
        location: None,
        message: format!("not UTF-8 text (byte {} is not)", e.utf8_error().valid_up_to()),
    })
}

impl Calendar {
    /// Reads the calendar file `path` and, through `extends`, the files it is layered on
    /// (relative to the file naming them), lowest first.
    ///
    /// Each file may hold at most [`MAX_FILE_BYTES`] (1 MiB); a larger one is refused by its
    /// size before it is read (a pipe is read no further than the limit). Parsing takes about
    /// fifty times a file's text in memory at its peak (some 50 MB for a 1 MiB file).
    ///
    /// # Errors
    ///
    /// [`CalendarError::Io`] for a file that cannot be read; [`CalendarError::Invalid`] for one
    /// that is not a valid calendar (naming the file, line, column and field);
    /// [`CalendarError::LayerLoop`] when files extend each other in a loop or more than 16 deep;
    /// [`CalendarError::TooLarge`] for a file above [`MAX_FILE_BYTES`].
    pub fn load(path: impl AsRef<Path>) -> Result<Calendar, CalendarError> {
        Calendar::load_layers(&[path.as_ref()])
    }

    /// Reads several calendar files (each with the files it `extends`) as layers of one
    /// calendar, the first lowest.
    ///
    /// Each file may hold at most [`MAX_FILE_BYTES`], and is parsed in about fifty times its
    /// size, as for [`Calendar::load`].
    ///
    /// # Errors
    ///
    /// As [`Calendar::load`].
    pub fn load_layers(paths: &[&Path]) -> Result<Calendar, CalendarError> {
        Calendar::from_layers(CalendarSpec::load_layers(paths)?)
    }
}

impl CalendarSpec {
    /// Reads several calendar files (each with the files it `extends`) as the layers of one
    /// calendar, the first lowest, without building it: a caller may add layers of its own (a
    /// bundled calendar) before [`Calendar::from_layers`].
    ///
    /// Each file may hold at most [`MAX_FILE_BYTES`], and is parsed in about fifty times its
    /// size, as for [`Calendar::load`].
    ///
    /// # Errors
    ///
    /// As [`Calendar::load`], except that no layer needs to name a time zone.
    pub fn load_layers(paths: &[&Path]) -> Result<Vec<CalendarSpec>, CalendarError> {
        CalendarSpec::load_layers_with(paths, &mut CalendarSpec::from_toml)
    }

    /// As [`CalendarSpec::load_layers`], with `parse` reading each file's text (as
    /// [`CalendarSpec::from_toml`] does; see [`CalendarSpec::checked`]): for a host with its own
    /// TOML reader. Files are read as `load_layers` reads them, within [`MAX_FILE_BYTES`].
    ///
    /// # Errors
    ///
    /// As [`Calendar::load`], with `parse`'s errors (an `Invalid` error is given the file).
    pub fn load_layers_with(
        paths: &[&Path],
        parse: &mut dyn FnMut(&str) -> Result<CalendarSpec, CalendarError>,
    ) -> Result<Vec<CalendarSpec>, CalendarError> {
        let mut layers = Vec::new();
        for path in paths {
            let mut chain: Vec<(PathBuf, CalendarSpec)> = Vec::new();
            let mut next = Some(path.to_path_buf());
            while let Some(path) = next.take() {
                if chain.len() >= MAX_DEPTH || chain.iter().any(|(p, _)| *p == path) {
                    return Err(CalendarError::LayerLoop { path });
                }
                let text = read_limited(&path)?;
                let spec = parse(&text).map_err(|e| match e {
                    CalendarError::Invalid { location, message, .. } => {
                        CalendarError::Invalid { file: Some(path.clone()), location, message }
                    }
                    other => other,
                })?;
                next = spec.extends.as_ref().map(|below| {
                    path.parent().map_or_else(|| PathBuf::from(below), |dir| dir.join(below))
                });
                chain.push((path, spec));
            }
            layers.extend(chain.into_iter().rev().map(|(_, spec)| spec));
        }
        Ok(layers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_limit_is_refused_unread() {
        let path =
            std::env::temp_dir().join(format!("hotline-cal-big-{}.toml", std::process::id()));
        let line = "# padding padding padding padding padding padding padding padding padding\n";
        let text = line.repeat((MAX_FILE_BYTES as usize) / line.len() + 1);
        std::fs::write(&path, format!("time_zone = \"UTC\"\n{text}")).unwrap();
        let err = Calendar::load(&path).unwrap_err();
        assert!(matches!(err, CalendarError::TooLarge { limit: MAX_FILE_BYTES, .. }), "{err}");
        std::fs::write(&path, b"time_zone = \"UTC\"\n# \xff\n").unwrap();
        let err = Calendar::load(&path).unwrap_err();
        assert!(err.to_string().contains("not UTF-8"), "{err}");
        std::fs::write(&path, "# a lower layer without a zone\n").unwrap();
        assert_eq!(CalendarSpec::load_layers(&[path.as_path()]).unwrap().len(), 1);
        // A reader of the host's own: its errors are given the file.
        let err = CalendarSpec::load_layers_with(&[path.as_path()], &mut |text| {
            CalendarSpec::from_toml(&format!("{text}\nbogus = 1\n"))
        })
        .unwrap_err();
        assert!(
            matches!(&err, CalendarError::Invalid { file: Some(f), .. } if f == &path),
            "{err}"
        );
        let _ = std::fs::remove_file(&path);
    }
}
