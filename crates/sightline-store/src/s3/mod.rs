//! Blobs in an S3-compatible object store (AWS S3, MinIO, Ceph, R2, ...), through Apache Arrow's
//! `object_store` client. A successful PUT is durable on the service, so `put` returns once it answered.
//!
//! `object_store` is async and the [`BlobStore`] trait blocks; the store owns a small runtime of its own and
//! every call is a task on it whose answer the caller waits for on a channel. That works from any thread,
//! also from one that drives another tokio runtime (where `block_on` would panic).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ClientOptions, ObjectStore, PutPayload, RetryConfig};

use crate::{BlobStore, Result, StoreError, check_blob_key};

const ENGINE: &str = "s3";
/// One request's limit; a replay chunk is at most a few hundred KiB.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Retries of a failed request (with backoff) before the caller sees the error; the batch writer retries
/// a failed commit itself, so this stays short.
const MAX_RETRIES: usize = 3;
const RETRY_TIMEOUT: Duration = Duration::from_secs(20);
/// Threads of the store's own runtime: requests are I/O-bound.
const RUNTIME_THREADS: usize = 2;

/// Where the blobs go: `bucket`, and for a service other than AWS its `endpoint` (e.g. `http://127.0.0.1:9000`).
#[derive(Debug, Clone, Default)]
pub struct S3Options {
    pub bucket: String,
    /// Empty for AWS itself; `http://` endpoints are allowed (a service on a private network).
    pub endpoint: String,
    pub region: String,
    /// Keys are stored under this prefix (e.g. `sightline`), so a bucket can be shared.
    pub prefix: String,
    /// Credentials given directly (tests); `None` reads them from the environment as the AWS tools do
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, instance metadata, ...).
    pub credentials: Option<(String, String)>,
}

pub struct S3BlobStore {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    runtime: tokio::runtime::Runtime,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable {
        engine: ENGINE,
        message: e.to_string(),
    }
}

fn store_error(e: object_store::Error) -> StoreError {
    match e {
        // Transport failures and HTTP errors of the service arrive as `Generic`.
        object_store::Error::Generic { .. } => unavailable(e),
        other => StoreError::engine(ENGINE, other),
    }
}

impl S3BlobStore {
    pub fn open(options: &S3Options) -> Result<Self> {
        if options.bucket.is_empty() {
            return Err(StoreError::Invalid("the S3 bucket is not set".into()));
        }
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&options.bucket)
            .with_region(if options.region.is_empty() {
                "us-east-1"
            } else {
                &options.region
            })
            .with_client_options(
                ClientOptions::new()
                    .with_timeout(REQUEST_TIMEOUT)
                    .with_connect_timeout(CONNECT_TIMEOUT)
                    .with_allow_http(options.endpoint.starts_with("http://")),
            )
            .with_retry(RetryConfig {
                max_retries: MAX_RETRIES,
                retry_timeout: RETRY_TIMEOUT,
                ..RetryConfig::default()
            });
        if !options.endpoint.is_empty() {
            // S3-compatible services are addressed by path (`endpoint/bucket/key`), not by bucket host name.
            builder = builder
                .with_endpoint(&options.endpoint)
                .with_virtual_hosted_style_request(false);
        }
        if let Some((key_id, secret)) = &options.credentials {
            builder = builder
                .with_access_key_id(key_id)
                .with_secret_access_key(secret);
        }
        let store = builder
            .build()
            .map_err(|e| StoreError::Invalid(format!("S3 configuration: {e}")))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(RUNTIME_THREADS)
            .thread_name("s3-client")
            .enable_all()
            .build()
            .map_err(|source| StoreError::Io {
                path: "s3 client runtime".into(),
                source,
            })?;
        let prefix = options.prefix.trim_matches('/').to_string();
        if !prefix.is_empty() {
            check_blob_key(&prefix)?;
        }
        Ok(Self {
            store: Arc::new(store),
            prefix,
            runtime,
        })
    }

    /// Runs `task` on the store's runtime and waits for its answer.
    fn run<T: Send + 'static>(
        &self,
        task: impl Future<Output = Result<T>> + Send + 'static,
    ) -> Result<T> {
        let (answer, wait) = std::sync::mpsc::sync_channel(1);
        self.runtime.spawn(async move {
            let _ = answer.send(task.await);
        });
        wait.recv()
            .map_err(|_| unavailable("the S3 client stopped"))?
    }

    fn object(&self, key: &str) -> Result<Path> {
        check_blob_key(key)?;
        Ok(Path::from(self.full_key(key)))
    }

    fn full_key(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}/{key}", self.prefix)
        }
    }
}

impl BlobStore for S3BlobStore {
    fn put(&self, key: &str, bytes: &[u8]) -> Result<()> {
        let (store, path) = (self.store.clone(), self.object(key)?);
        let payload = PutPayload::from(bytes.to_vec());
        self.run(async move {
            store.put(&path, payload).await.map_err(store_error)?;
            Ok(())
        })
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let (store, path) = (self.store.clone(), self.object(key)?);
        self.run(async move {
            match store.get(&path).await {
                Ok(found) => Ok(Some(found.bytes().await.map_err(store_error)?.to_vec())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(store_error(e)),
            }
        })
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>> {
        // Listed by the folder the prefix names (object_store lists whole path segments), then matched as text.
        let folder = prefix.rfind('/').map_or("", |slash| &prefix[..slash]);
        let listed = Path::from(self.full_key(folder).trim_end_matches('/'));
        let wanted = self.full_key(prefix);
        let strip = if self.prefix.is_empty() {
            0
        } else {
            self.prefix.len() + 1
        };
        let store = self.store.clone();
        self.run(async move {
            let objects: Vec<_> = store
                .list(Some(&listed))
                .try_collect()
                .await
                .map_err(store_error)?;
            let mut keys: Vec<String> = objects
                .into_iter()
                .map(|meta| meta.location.to_string())
                .filter(|full| full.starts_with(&wanted))
                .map(|full| full[strip..].to_string())
                .collect();
            keys.sort();
            Ok(keys)
        })
    }

    fn delete_prefix(&self, prefix: &str) -> Result<usize> {
        let keys = self.list(prefix)?;
        let paths: Vec<Path> = keys.iter().map(|k| Path::from(self.full_key(k))).collect();
        let store = self.store.clone();
        self.run(async move {
            for path in &paths {
                match store.delete(path).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(store_error(e)),
                }
            }
            Ok(paths.len())
        })
    }
}
