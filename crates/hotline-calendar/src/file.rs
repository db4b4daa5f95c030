//! Reading calendar files, following `extends` to the layers below (the only module that touches
//! the file system).

use std::path::{Path, PathBuf};

use crate::{Calendar, CalendarError, CalendarSpec};

/// How many files one calendar may stack through `extends`.
const MAX_DEPTH: usize = 16;

impl Calendar {
    /// Reads the calendar file `path` and, through `extends`, the files it is layered on
    /// (relative to the file naming them), lowest first.
    ///
    /// # Errors
    ///
    /// [`CalendarError::Io`] for a file that cannot be read; [`CalendarError::Invalid`] for one
    /// that is not a valid calendar (naming the file, line, column and field);
    /// [`CalendarError::LayerLoop`] when files extend each other in a loop or more than 16 deep.
    pub fn load(path: impl AsRef<Path>) -> Result<Calendar, CalendarError> {
        Calendar::load_layers(&[path.as_ref()])
    }

    /// Reads several calendar files (each with the files it `extends`) as layers of one
    /// calendar, the first lowest.
    ///
    /// # Errors
    ///
    /// As [`Calendar::load`].
    pub fn load_layers(paths: &[&Path]) -> Result<Calendar, CalendarError> {
        let mut layers = Vec::new();
        for path in paths {
            let mut chain: Vec<(PathBuf, CalendarSpec)> = Vec::new();
            let mut next = Some(path.to_path_buf());
            while let Some(path) = next.take() {
                if chain.len() >= MAX_DEPTH || chain.iter().any(|(p, _)| *p == path) {
                    return Err(CalendarError::LayerLoop { path });
                }
                let text = std::fs::read_to_string(&path)
                    .map_err(|source| CalendarError::Io { path: path.clone(), source })?;
                let spec = CalendarSpec::from_toml(&text).map_err(|e| match e {
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
        Calendar::from_layers(layers)
    }
}
