//! The `zhiban` program prints the client core's message and its own hint: run here as a process, with no
//! server anywhere.

use std::process::Command;

fn zhiban(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zhiban"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("ZHIBAN_SERVER")
        .env_remove("ZHIBAN_DATA")
        .output()
        .expect("zhiban runs")
}

#[test]
fn without_a_server_or_a_login_the_program_says_what_to_give() {
    let folder = tempfile::tempdir().expect("folder");
    let sync = zhiban(folder.path(), &["sync", "--timeout", "1"]);
    assert!(!sync.status.success());
    let said = String::from_utf8_lossy(&sync.stderr);
    assert!(
        said.contains(
            "zhiban: no server is configured for this phone; give --server http://HOST:PORT or set ZHIBAN_SERVER"
        ),
        "{said}"
    );

    let ack = zhiban(folder.path(), &["alerts", "ack", "al_1"]);
    assert!(!ack.status.success());
    let said = String::from_utf8_lossy(&ack.stderr);
    assert!(said.contains("does not know who you are") && said.contains("`zhiban login --username YOU`"), "{said}");
}
