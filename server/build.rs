// `sqlx::migrate!` embeds the migrations when the server is compiled; without this, a migration added to the
// folder would not rebuild the server, and a binary built afterwards would silently lack it.
fn main() {
    println!("cargo:rerun-if-changed=../migrations/server");
}
