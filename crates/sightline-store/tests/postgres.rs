//! The PostgreSQL metadata store against a real server started for each test (see `support/postgres.rs`).
#![cfg(feature = "postgres")]

#[path = "support/postgres.rs"]
mod pg_server;

use pg_server::PgServer;
use sightline_store::postgres::PostgresMetaStore;
use sightline_store::{MetaStore, NewSite, Role, StoreError, conformance};

fn site(name: &str) -> NewSite {
    NewSite {
        name: name.into(),
        domains: vec![],
    }
}

/// A plain client on the test's own thread (no runtime here), to look behind the store.
fn raw_client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).expect("raw connect")
}

#[test]
fn postgres_meta_store_conforms() {
    let server = PgServer::start();
    let store = PostgresMetaStore::connect(&server.url()).expect("connect");
    conformance::meta_store(&store);
}

#[test]
fn two_nodes_share_one_database_and_migrate_harmlessly() {
    let server = PgServer::start();
    let url = server.create_database("shared");
    // Nodes starting at the same moment migrate the same empty database.
    let nodes: Vec<PostgresMetaStore> = std::thread::scope(|s| {
        let starting: Vec<_> = (0..4)
            .map(|_| s.spawn(|| PostgresMetaStore::connect(&url)))
            .collect();
        starting
            .into_iter()
            .map(|n| n.join().expect("thread").expect("concurrent connect"))
            .collect()
    });
    // And once more, on an up-to-date schema.
    let again = PostgresMetaStore::connect(&url).expect("migrate twice");
    let versions: Vec<i64> = raw_client(&url)
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .expect("versions")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let expected: Vec<i64> = (1..=versions.last().copied().unwrap_or(0)).collect();
    assert!(versions.len() >= 6, "{versions:?}");
    assert_eq!(versions, expected, "each migration applied once");

    let (a, b) = (&nodes[0], &again);
    let shop = a.create_site(&site("Shop")).expect("create on a");
    assert_eq!(
        b.site_by_key(&shop.key).expect("by key"),
        Some(shop.clone())
    );
    assert_eq!(b.list_sites().expect("list"), [shop]);
    assert_eq!(
        a.daily_salt(20_000).expect("salt"),
        b.daily_salt(20_000).expect("salt"),
        "one salt per day for all nodes"
    );
    a.create_user("Admin@example.com", "h", Role::Admin)
        .expect("user");
    assert!(matches!(
        b.create_user("admin@EXAMPLE.com", "h", Role::Admin),
        Err(StoreError::Conflict(_))
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn works_on_a_thread_driving_a_tokio_runtime() {
    let server = PgServer::start();
    // Connecting, calling and dropping on the runtime's own thread: the client's runtime is on the workers.
    let store = PostgresMetaStore::connect(&server.url()).expect("connect");
    let created = store.create_site(&site("Async")).expect("create");
    assert_eq!(store.site_by_id(created.id).expect("by id"), Some(created));
    drop(store);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_from_tasks_of_a_multi_thread_runtime() {
    let server = PgServer::start();
    let store = std::sync::Arc::new(PostgresMetaStore::connect(&server.url()).expect("connect"));
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.create_site(&site(&format!("Site {i}"))) })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("create");
    }
    assert_eq!(store.list_sites().expect("list").len(), 8);
}

#[test]
fn reconnects_after_the_server_drops_its_connections() {
    let server = PgServer::start();
    let store = PostgresMetaStore::connect(&server.url()).expect("connect");
    let shop = store.create_site(&site("Shop")).expect("create");
    // Open every worker's connection, then have the server end them all (as a restart or failover would).
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| store.list_sites().expect("list"));
        }
    });
    let killed: i64 = raw_client(&server.url())
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE application_name = 'sightline' AND pid <> pg_backend_pid()",
            &[],
        )
        .expect("terminate")
        .get(0);
    assert!(killed >= 1, "the store's connections were found");
    // A call on a broken connection fails as retryable (once per connection); its worker then connects again.
    let calls = 20;
    let mut failures = 0;
    for _ in 0..calls {
        match store.site_by_id(shop.id) {
            Ok(found) => assert_eq!(found.as_ref(), Some(&shop)),
            Err(StoreError::Unavailable { engine, .. }) => {
                assert_eq!(engine, "postgres");
                failures += 1;
            }
            Err(other) => panic!("a broken connection is Unavailable, not {other:?}"),
        }
    }
    assert!(
        failures <= killed,
        "{failures} failed calls for {killed} broken connections"
    );
}

#[test]
fn an_unreachable_server_is_unavailable() {
    let server = PgServer::start();
    let url = format!("postgres://sightline@127.0.0.1:{}/postgres", server.port());
    drop(server);
    assert!(matches!(
        PostgresMetaStore::connect(&url),
        Err(StoreError::Unavailable { .. })
    ));
}
