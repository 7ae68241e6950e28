//! The S3 blob store against a real S3-protocol server on loopback.
#![cfg(feature = "s3")]

#[path = "support/s3.rs"]
mod s3_server;

use s3_server::S3Server;
use sightline_store::s3::{S3BlobStore, S3Options};
use sightline_store::{BlobStore, StoreError, conformance};

fn options(server: &S3Server, bucket: &str, prefix: &str) -> S3Options {
    S3Options {
        bucket: bucket.into(),
        endpoint: server.endpoint.clone(),
        region: "us-east-1".into(),
        prefix: prefix.into(),
        credentials: Some(("test".into(), "test".into())),
    }
}

#[test]
fn s3_blob_store_conforms_with_and_without_a_prefix() {
    let server = S3Server::start();
    server.create_bucket("replays");
    conformance::blob_store(&S3BlobStore::open(&options(&server, "replays", "")).expect("open"));
    let shared = S3BlobStore::open(&options(&server, "replays", "cluster-a")).expect("open");
    conformance::blob_store(&shared);
    // Two installations sharing a bucket by prefix do not see each other's blobs.
    let other = S3BlobStore::open(&options(&server, "replays", "cluster-b")).expect("open");
    other.put("1/s9/0", b"b's").expect("put");
    assert_eq!(shared.list("1/").expect("list"), ["1/s2/0"]);
    assert_eq!(other.list("1/").expect("list"), ["1/s9/0"]);
    assert_eq!(shared.get("1/s9/0").expect("get"), None);
    // Prefixes that are not whole folders match as text, as in the file store.
    shared.put("1/s20/0", b"x").expect("put");
    assert_eq!(shared.list("1/s2").expect("list"), ["1/s2/0", "1/s20/0"]);
}

#[test]
fn s3_calls_work_from_inside_an_async_runtime() {
    let server = S3Server::start();
    server.create_bucket("async");
    let store = S3BlobStore::open(&options(&server, "async", "")).expect("open");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let got = runtime.block_on(async {
        store.put("1/s1/0", b"from a runtime").expect("put");
        store.get("1/s1/0").expect("get")
    });
    assert_eq!(got.as_deref(), Some(&b"from a runtime"[..]));
}

#[test]
fn an_unreachable_s3_service_is_unavailable_not_a_panic() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let store = S3BlobStore::open(&S3Options {
        bucket: "gone".into(),
        endpoint: format!("http://127.0.0.1:{port}"),
        credentials: Some(("test".into(), "test".into())),
        ..S3Options::default()
    })
    .expect("open needs no connection");
    assert!(matches!(
        store.put("1/s1/0", b"x"),
        Err(StoreError::Unavailable { engine: "s3", .. })
    ));
    assert!(matches!(
        S3BlobStore::open(&S3Options::default()),
        Err(StoreError::Invalid(_))
    ));
}
