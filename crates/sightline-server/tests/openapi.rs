//! The dashboard's typed client is generated from `web/dashboard/src/api/openapi.json`; it must be the
//! document the server publishes. Regenerate with `make openapi` after changing the API.

#[test]
fn the_dashboard_client_spec_matches_the_server() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../web/dashboard/src/api/openapi.json");
    let committed = std::fs::read_to_string(&path).expect("web/dashboard/src/api/openapi.json");
    let current = sightline_server::openapi::document();
    assert!(
        committed.trim() == current.trim(),
        "web/dashboard/src/api/openapi.json is stale: run `make openapi`"
    );
    let spec: serde_json::Value = serde_json::from_str(&current).expect("valid JSON");
    for path in [
        "/api/v1/batch",
        "/api/v1/sites/{site}/overview",
        "/api/v1/login",
        "/api/v1/tokens",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} is documented");
    }
}
