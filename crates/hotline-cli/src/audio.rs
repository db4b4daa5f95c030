//! `hotline audio repair`: recordings of `hotline-media` cut off by a crash.

use std::fs::OpenOptions;
use std::path::PathBuf;

use clap::Args;
use hotline_media::MediaError;

use crate::report::{Failure, Outcome, Status};

/// Arguments of `hotline audio repair`.
#[derive(Debug, Args)]
pub struct AudioRepairArgs {
    /// The WAV file to repair in place (its RIFF and data sizes are rewritten from its length).
    pub file: PathBuf,
}

/// Repairs a WAV file whose header was never finalised, in place.
///
/// # Errors
///
/// A [`Failure`]: exit 2 for a file that cannot be opened, 1 for one that is not a WAV file.
pub fn repair(args: &AudioRepairArgs) -> Outcome {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&args.file)
        .map_err(|e| Failure::unreadable(&args.file, &e))?;
    match hotline_media::repair(&mut file) {
        Ok(r) if r.changed => {
            println!(
                "repaired {}: {} bytes of audio{}",
                args.file.display(),
                r.data_bytes,
                if r.dropped_bytes > 0 {
                    format!(", {} trailing bytes of a partial frame left out", r.dropped_bytes)
                } else {
                    String::new()
                }
            );
            Ok(Status::Success)
        }
        Ok(r) => {
            println!("{} needs no repair ({} bytes of audio)", args.file.display(), r.data_bytes);
            Ok(Status::Success)
        }
        Err(MediaError::Io(e)) => Err(Failure::unreadable(&args.file, &e)),
        Err(e) => Err(Failure::rejected(format!("{}: {e}", args.file.display()))),
    }
}
