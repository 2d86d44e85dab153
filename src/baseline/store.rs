//! Where a baseline lives. One trait, so that a git data branch and workflow artifacts plug in
//! beside the local file.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

use super::Baseline;
use crate::model::Run;

/// Loads and saves a baseline history.
pub trait Store {
    /// The history, or `None` when the store has none yet.
    fn load(&self) -> Result<Option<Baseline>>;
    /// Replaces the history; a failed save leaves the previous one intact.
    fn save(&self, baseline: &Baseline) -> Result<()>;
    /// Where the history lives, for messages and reports.
    fn describe(&self) -> String;
    /// Adds a run as one step: reads the history, lets `apply` make the new one, and saves it,
    /// so that concurrent writers never lose a run (each store says how it guarantees that).
    fn record(
        &self,
        run: &Run,
        apply: &mut dyn FnMut(Option<Baseline>) -> Result<Baseline>,
    ) -> Result<Baseline> {
        let _ = run;
        let history = apply(self.load()?)?;
        self.save(&history)?;
        Ok(history)
    }
}

/// A JSON file on the local file system.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStore { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the history's writer lock (`PATH.lock`), waiting for any other writer: two jobs
    /// updating one file at once must not lose a run.
    pub fn lock(&self) -> Result<std::fs::File> {
        let mut name = self.path.as_os_str().to_owned();
        name.push(".lock");
        let lock_path = PathBuf::from(name);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(&lock_path, e))?;
        file.lock().map_err(|e| Error::io(&lock_path, e))?;
        Ok(file)
    }

    /// Moves an unreadable history aside as `PATH.corrupt-SECONDS` and returns that path.
    pub fn set_aside(&self) -> Result<PathBuf> {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut name = self.path.as_os_str().to_owned();
        name.push(format!(".corrupt-{seconds}"));
        let backup = PathBuf::from(name);
        std::fs::rename(&self.path, &backup).map_err(|e| Error::io(&self.path, e))?;
        Ok(backup)
    }
}

impl Store for FileStore {
    fn load(&self) -> Result<Option<Baseline>> {
        match std::fs::read(&self.path) {
            Ok(bytes) => Baseline::parse(&self.path.display().to_string(), &bytes).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&self.path, e)),
        }
    }

    fn save(&self, baseline: &Baseline) -> Result<()> {
        write_atomic(&self.path, baseline.to_json().as_bytes())
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    /// Under the file's lock: concurrent updates queue instead of racing.
    fn record(
        &self,
        _run: &Run,
        apply: &mut dyn FnMut(Option<Baseline>) -> Result<Baseline>,
    ) -> Result<Baseline> {
        let _lock = self.lock()?;
        let history = apply(self.load()?)?;
        self.save(&history)?;
        Ok(history)
    }
}

/// Writes through a temporary file in the same directory and renames it over the target, so
/// that readers see the old content or the new, never a torn file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(tmp.path(), e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io(tmp.path(), e))?;
    readable(tmp.as_file()).map_err(|e| Error::io(tmp.path(), e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Temporary files are created private (0600); results and histories are meant to be read by
/// others (artifacts, a checkout): make them 0644 like any file the user would write.
pub fn readable(file: &std::fs::File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::Window;

    #[test]
    fn missing_file_is_no_history_and_save_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FileStore::new(dir.path().join("history.json"));
        assert!(store.load().expect("loads").is_none());
        let b = Baseline::new(Window {
            max_runs: 5,
            max_age_days: 5,
        });
        store.save(&b).expect("saves");
        assert_eq!(store.load().expect("loads"), Some(b));
    }

    #[cfg(unix)]
    #[test]
    fn written_files_are_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("history.json");
        write_atomic(&path, b"{}").expect("writes");
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
    }

    #[test]
    fn corrupt_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("history.json");
        std::fs::write(&path, "{not json").expect("write");
        let e = FileStore::new(&path).load().expect_err("corrupt");
        assert!(
            e.to_string().starts_with(&path.display().to_string()),
            "{e}"
        );
    }
}
