//! Protected /metrics, range-checked query parameters and readiness against the real server.

mod support;

use support::*;

#[test]
fn metrics_need_the_token_when_one_is_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start_with_env(
        dir.path(),
        &[("SIGHTLINE_METRICS_TOKEN", "metrics-secret-1")],
    );
    let agent = agent();
    let anonymous = get(&agent, &server.url("/metrics"));
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    assert_eq!(anonymous.body["error"]["code"], "unauthenticated");
    let wrong = get_with(
        &agent,
        &server.url("/metrics"),
        &[("Authorization", "Bearer metrics-secret-2")],
    );
    assert_eq!(wrong.status, 401);
    // An admin API token is not the metrics token either.
    let api_token = format!("Bearer {}", server.token);
    assert_eq!(
        get_with(
            &agent,
            &server.url("/metrics"),
            &[("Authorization", &api_token)]
        )
        .status,
        401
    );
    let ok = get_with(
        &agent,
        &server.url("/metrics"),
        &[("Authorization", "Bearer metrics-secret-1")],
    );
    assert_eq!(ok.status, 200);
    assert!(
        ok.body.as_str().is_some_and(|t| t.contains("sightline_")),
        "{}",
        ok.body
    );
}

#[test]
fn metrics_can_live_on_their_own_address_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let metrics_listen = format!("127.0.0.1:{port}");
    let server =
        Server::start_with_env(dir.path(), &[("SIGHTLINE_METRICS_LISTEN", &metrics_listen)]);
    let agent = agent();
    let main = get(&agent, &server.url("/metrics"));
    assert_eq!(
        main.status, 404,
        "not on the public listener: {}",
        main.body
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let separate = loop {
        match agent
            .get(&format!("http://{metrics_listen}/metrics"))
            .call()
        {
            Ok(mut r) => {
                break (
                    r.status().as_u16(),
                    r.body_mut().read_to_string().unwrap_or_default(),
                );
            }
            Err(_) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            Err(e) => panic!("metrics listener: {e}"),
        }
    };
    assert_eq!(separate.0, 200);
    assert!(separate.1.contains("sightline_"), "{}", separate.1);
}

#[test]
fn extreme_query_parameters_are_400_not_a_panic_or_a_bypass() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = add_site(dir.path(), "shop.example");
    let server = Server::start(dir.path());
    let agent = agent();
    for query in [
        "from=-9223372036854775808",
        "from=-9223372036854775808&to=9223372036854775807",
        "to=9223372036854775807",
        "from=0&to=253402300800001",
        "from=99999999999999999999999",
        "from=0&to=253402300800000",
        "min_duration_ms=-1",
        "min_revenue=NaN",
        "limit=0",
        "limit=18446744073709551616",
        "offset=-1",
    ] {
        for path in ["overview", "sessions"] {
            let reply = server.get(&agent, &format!("/api/v1/sites/{key}/{path}?{query}"));
            if path == "overview" && (query.starts_with("limit") || query.starts_with("offset")) {
                assert_eq!(
                    reply.status, 400,
                    "{path}?{query} (unknown there): {}",
                    reply.body
                );
                continue;
            }
            assert_eq!(reply.status, 400, "{path}?{query}: {}", reply.body);
            assert!(
                reply.body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty())
            );
        }
    }
    // The server is still fine.
    assert_eq!(
        server
            .get(&agent, &format!("/api/v1/sites/{key}/overview"))
            .status,
        200
    );
}

#[test]
fn readiness_on_a_fresh_directory_reports_no_lag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(dir.path());
    let agent = agent();
    let ready = get(&agent, &server.url("/readyz"));
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert_eq!(ready.body["spool_lag_bytes"], 0, "{}", ready.body);
    assert_eq!(ready.body["dead_letters"], 0);
    server.stop();
    let server = Server::start(dir.path());
    let ready = get(&agent, &server.url("/readyz"));
    assert_eq!(
        ready.body["spool_lag_bytes"], 0,
        "also after a restart: {}",
        ready.body
    );
}
