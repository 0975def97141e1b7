//! Writing files so that a crash, a full disk or an error midway never leaves a partial file:
//! the bytes go to a temporary file beside the target, which is flushed, synced and renamed
//! over the target only once complete. Until the rename the old file is untouched; the rename
//! replaces it in one step (POSIX), so a reader sees the old file or the new one, never a mix.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Error, Result};

/// Buffer of the writer handed to the caller: large enough that a model or a ratings file
/// goes out in few system calls.
const BUFFER_BYTES: usize = 1 << 20;

/// Writes `path` through `write`, atomically: `write` fills a buffered writer on a temporary
/// file in the same directory (a rename across file systems would be a copy), which is then
/// flushed, synced to disk and renamed over `path`, and the directory is synced so that the
/// rename itself survives a crash. If `write` fails (or panics), or any step does, the
/// temporary file is removed and `path` keeps its old content, byte for byte.
///
/// A symbolic link at `path` is followed (its target is replaced, the link kept), and an
/// existing file's permissions carry over to the new one.
///
/// Example: `write_atomically(path, |out| out.write_all(b"hello").map_err(|e| Error::io(path, e)))`.
pub fn write_atomically<T>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<T>,
) -> Result<T> {
    let mut pending = PendingFile::create(path)?;
    let value = write(pending.writer())?;
    pending.commit()?;
    Ok(value)
}

/// A file being written beside its target, renamed over it by [`PendingFile::commit`]; dropped
/// uncommitted (an error, a panic), it removes its temporary file. Several pending files
/// written first and committed together replace a set of files with few partial states.
pub struct PendingFile {
    target: PathBuf,
    temp: PathBuf,
    writer: Option<BufWriter<File>>,
    committed: bool,
}

/// Distinguishes the temporary files of several writes of one process.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

impl PendingFile {
    /// Creates the temporary file for `path` (`.name.tmp-PID-N` in its directory).
    pub fn create(path: &Path) -> Result<PendingFile> {
        let target = resolve_link(path)?;
        let name = target.file_name().ok_or_else(|| {
            Error::invalid(
                "path",
                target.display(),
                "a file path (it ends in a directory)",
            )
        })?;
        let temp = target.with_file_name(format!(
            ".{}.tmp-{}-{}",
            name.to_string_lossy(),
            std::process::id(),
            NEXT_TEMP.fetch_add(1, Ordering::Relaxed)
        ));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| Error::io(path, e))?;
        let mut pending = PendingFile {
            target,
            temp,
            writer: Some(BufWriter::with_capacity(BUFFER_BYTES, file)),
            committed: false,
        };
        // The new file keeps the old one's permissions (a model made read-only for others
        // stays so); a failure here only leaves the default ones.
        if let Ok(metadata) = std::fs::metadata(&pending.target) {
            if let Some(writer) = pending.writer.as_mut() {
                let _ = writer.get_ref().set_permissions(metadata.permissions());
            }
        }
        Ok(pending)
    }

    /// Where the content goes until the commit (buffered).
    ///
    /// # Panics
    /// After [`PendingFile::finish`].
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer
            .as_mut()
            .expect("a pending file is written before it is finished")
    }

    /// The path this file will replace.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes the buffer, syncs the file to disk and closes it (so that many pending files
    /// do not hold many descriptors); the rename waits for [`PendingFile::commit`].
    pub fn finish(&mut self) -> Result<()> {
        if let Some(writer) = self.writer.take() {
            let file = writer
                .into_inner()
                .map_err(|e| Error::io(&self.target, e.into_error()))?;
            file.sync_all().map_err(|e| Error::io(&self.target, e))?;
        }
        Ok(())
    }

    /// Finishes the file if needed, renames it over the target and syncs the directory.
    pub fn commit(mut self) -> Result<()> {
        self.finish()?;
        std::fs::rename(&self.temp, &self.target).map_err(|e| Error::io(&self.target, e))?;
        self.committed = true;
        sync_parent(&self.target)
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.committed {
            drop(self.writer.take());
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// The file a path names: a symbolic link's target (so that the rename replaces the file and
/// keeps the link), else the path itself.
fn resolve_link(path: &Path) -> Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => {
            std::fs::canonicalize(path).map_err(|e| Error::io(path, e))
        }
        _ => Ok(path.to_path_buf()),
    }
}

/// Syncs the directory holding `path`, which makes a rename in it durable. File systems that
/// cannot sync a directory (some network ones answer `EINVAL`) are not an error: the data
/// itself was synced before the rename.
fn sync_parent(path: &Path) -> Result<()> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match File::open(parent).and_then(|dir| dir.sync_all()) {
        Err(error) if error.kind() != std::io::ErrorKind::InvalidInput => {
            Err(Error::io(parent, error))
        }
        _ => Ok(()),
    }
}

/// [`write_atomically`] of bytes already in memory.
pub fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, |out| {
        out.write_all(bytes).map_err(|e| Error::io(path, e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("streamrec-fs-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_the_file_and_leaves_no_temporary_file() {
        let dir = temp_dir("replace");
        let path = dir.join("model.svd");
        std::fs::write(&path, b"old content").unwrap();
        write_bytes_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(entries(&dir), ["model.svd"]);
    }

    #[test]
    fn an_error_midway_keeps_the_old_file_byte_for_byte() {
        let dir = temp_dir("midway");
        let path = dir.join("catalog.csv");
        let old: Vec<u8> = (0..=255u8).cycle().take(3 << 20).collect();
        std::fs::write(&path, &old).unwrap();
        let result: Result<()> = write_atomically(&path, |out| {
            // More than the buffer, so that part of it already reached the temporary file.
            out.write_all(&vec![b'x'; 2 * BUFFER_BYTES + 7]).unwrap();
            Err(Error::invalid("content", "half written", "a whole file"))
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), old);
        assert_eq!(entries(&dir), ["catalog.csv"]);
    }

    #[test]
    fn a_panic_midway_keeps_the_old_file_and_removes_the_temporary_one() {
        let dir = temp_dir("panic");
        let path = dir.join("1.csv");
        std::fs::write(&path, b"userId,rating,timestamp,movieId\n").unwrap();
        let outcome = std::panic::catch_unwind(|| {
            write_atomically(&path, |out| -> Result<()> {
                out.write_all(b"partial").unwrap();
                panic!("writer failed");
            })
        });
        assert!(outcome.is_err());
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"userId,rating,timestamp,movieId\n"
        );
        assert_eq!(entries(&dir), ["1.csv"]);
    }

    #[test]
    fn a_failed_rename_keeps_the_target_and_removes_the_temporary_file() {
        // The target is a non-empty directory: the temporary file is written, the rename
        // over the directory fails.
        let dir = temp_dir("rename");
        let target = dir.join("taken");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("inside"), b"kept").unwrap();
        let error = write_bytes_atomically(&target, b"new").unwrap_err();
        assert!(error.to_string().contains("taken"), "{error}");
        assert_eq!(std::fs::read(target.join("inside")).unwrap(), b"kept");
        assert_eq!(entries(&dir), ["taken"]);
    }

    #[test]
    fn a_missing_directory_is_an_io_error_naming_the_path() {
        let dir = temp_dir("missing");
        let path = dir.join("no-such-folder").join("model.svd");
        let error = write_bytes_atomically(&path, b"x").unwrap_err();
        assert!(matches!(error, Error::Io { .. }), "{error}");
        assert!(error.to_string().contains("no-such-folder"), "{error}");
        assert!(entries(&dir).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_keeps_pointing_at_the_new_content() {
        let dir = temp_dir("link");
        let real = dir.join("real.svd");
        std::fs::write(&real, b"old").unwrap();
        let link = dir.join("current.svd");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_bytes_atomically(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        assert_eq!(entries(&dir), ["current.svd", "real.svd"]);
    }

    #[test]
    fn pending_files_replace_nothing_until_committed() {
        let dir = temp_dir("pending");
        let path = dir.join("2.csv");
        std::fs::write(&path, b"old").unwrap();
        let mut pending = PendingFile::create(&path).unwrap();
        pending.writer().write_all(b"new").unwrap();
        pending.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(entries(&dir).len(), 2);
        drop(pending);
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(entries(&dir), ["2.csv"]);
    }
}
