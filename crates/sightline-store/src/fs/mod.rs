//! Blobs as files under one directory; keys map to relative paths. Writes go to a temp file, are fsync'd and
//! renamed, so a reader never sees a partial blob.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{BlobStore, Result, StoreError};

pub struct FsBlobStore {
    root: PathBuf,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl FsBlobStore {
    pub fn open(root: &Path) -> Result<Self> {
        fs::create_dir_all(root).map_err(io_err(root))?;
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    fn path_of(&self, key: &str) -> Result<PathBuf> {
        crate::check_blob_key(key)?;
        Ok(self.root.join(key))
    }
}

impl BlobStore for FsBlobStore {
    fn put(&self, key: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path_of(key)?;
        let dir = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let tmp = path.with_extension("tmp-write");
        let mut file = fs::File::create(&tmp).map_err(io_err(&tmp))?;
        file.write_all(bytes).map_err(io_err(&tmp))?;
        file.sync_all().map_err(io_err(&tmp))?;
        fs::rename(&tmp, &path).map_err(io_err(&path))?;
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err(dir))?;
        Ok(())
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let path = self.path_of(key)?;
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>> {
        // Walk only the directory the prefix names (keys are paths), not the whole store.
        let start = match prefix.rfind('/') {
            Some(slash)
                if !prefix[..slash]
                    .split('/')
                    .any(|p| p.is_empty() || p == "." || p == "..") =>
            {
                self.root.join(&prefix[..slash])
            }
            _ => self.root.clone(),
        };
        let mut keys = Vec::new();
        collect_keys(&self.root, &start, &mut keys)?;
        keys.retain(|k| k.starts_with(prefix));
        keys.sort();
        Ok(keys)
    }

    fn delete_prefix(&self, prefix: &str) -> Result<usize> {
        let keys = self.list(prefix)?;
        for key in &keys {
            let path = self.root.join(key);
            fs::remove_file(&path).map_err(io_err(&path))?;
        }
        Ok(keys.len())
    }
}

fn collect_keys(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err(dir)(e)),
    };
    for entry in entries {
        let path = entry.map_err(io_err(dir))?.path();
        if path.is_dir() {
            collect_keys(root, &path, out)?;
        } else if path.extension().is_none_or(|ext| ext != "tmp-write")
            && let Ok(rel) = path.strip_prefix(root)
        {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}
