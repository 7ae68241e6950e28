//! The embedded web assets are built by npm (`make web`) before cargo. When they have not been built yet,
//! empty folders keep `cargo build`/`cargo test` working; the routes then answer 404 with a hint.
//! Assets are embedded in debug builds too (`debug-embed`), so handlers never read files at request time.
fn main() {
    for dir in [
        "../../web/tracker/dist",
        "../../web/dashboard/dist",
        "../../demo",
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        if !path.exists() {
            let _ = std::fs::create_dir_all(&path);
        }
        println!("cargo:rerun-if-changed={dir}");
    }
}
