//! The `wardgate` binary, run as a user runs it.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

const NOW: &str = "1764000000";

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wardgate")).args(args).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn policy() -> String {
    repo("examples/policy.json").to_string_lossy().into_owned()
}

fn token() -> String {
    std::fs::read_to_string(repo("examples/token.jwt")).unwrap().trim().to_owned()
}

fn temp_file(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wardgate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn verify_prints_the_principal() {
    let out = run(&["verify", "--policy", &policy(), "--now", NOW, &token()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let principal: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(principal["id"], "user_1");
    assert_eq!(principal["roles"], json!(["user"]));
}

#[test]
fn verify_accepts_a_bearer_value_and_stdin() {
    let out = run(&["verify", "--policy", &policy(), "--now", NOW, &format!("Bearer {}", token())]);
    assert_eq!(out.status.code(), Some(0));
    let mut child = Command::new(env!("CARGO_BIN_EXE_wardgate"))
        .args(["verify", "--policy", &policy(), "--now", NOW, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(format!("{}\n", token()).as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn verify_prints_the_error_and_exits_1() {
    let out = run(&["verify", "--policy", &policy(), "--now", "1764100000", &token()]);
    assert_eq!(out.status.code(), Some(1));
    let err: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(err["code"], "TOKEN_EXPIRED");
    assert_eq!(err["status"], 401);
    assert_eq!(err["reason"], "expired");
    assert!(!stdout(&out).contains(&token()[..20]));
}

/// `wardgate authorize` on the sample policy and token at [`NOW`].
fn authorize(action: &str, resource: &str) -> Output {
    let (policy, token) = (policy(), token());
    run(&["authorize", "--policy", &policy, "--now", NOW, "--action", action, "--resource", resource, &token])
}

#[test]
fn authorize_decides() {
    let allow = authorize("read", r#"{"type":"todo","owner_id":"user_1"}"#);
    assert_eq!(allow.status.code(), Some(0), "{}", stdout(&allow));
    let d: Value = serde_json::from_str(&stdout(&allow)).unwrap();
    assert_eq!((d["allowed"].clone(), d["rules"].clone()), (json!(true), json!(["own-todos"])));

    let deny = authorize("delete", r#"{"type":"todo","owner_id":"user_2"}"#);
    assert_eq!(deny.status.code(), Some(1));
    let d: Value = serde_json::from_str(&stdout(&deny)).unwrap();
    assert_eq!(d["code"], "INSUFFICIENT_PERMISSIONS");
    assert_eq!(d["reason"], "denied");

    let bad = run(&["authorize", "--policy", &policy(), "--action", "read", "--resource", "[1]", &token()]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn check_reports_paths_columns_and_warnings() {
    let out = run(&["check", &policy()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("valid policy, 0 warning(s)"), "{}", stdout(&out));

    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(policy()).unwrap()).unwrap();
    doc["token"]["audiance"] = json!("x");
    let out = run(&["check", temp_file("typo.json", &doc.to_string()).to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("error: token.audiance: unknown field"), "{}", stdout(&out));

    doc["rules"][1]["effect"] = json!("allow");
    let out = run(&["check", temp_file("two.json", &doc.to_string()).to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("error: token.audiance: unknown field (did you mean `audience`?)\nerror: rules[1].effect: \"allow\" is not an effect"),
        "{text}"
    );
    assert!(text.contains("invalid policy, 2 error(s)"), "{text}");

    doc["token"].as_object_mut().unwrap().remove("audiance");
    doc["rules"][1]["effect"] = json!("permit");
    doc["rules"][0]["when"] = json!("resource.owner_id = principal.id");
    let out = run(&["check", temp_file("expr.json", &doc.to_string()).to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("rules[0].when: rule \"own-todos\", column 19"), "{}", stdout(&out));

    doc["rules"][0]["when"] = json!("resource.owner_id == principal.id");
    doc["rules"][3]["when"] = json!("principal.claims.banned == true");
    let out = run(&["check", temp_file("unguarded.json", &doc.to_string()).to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("warning: rules[3].when: forbid rule \"banned\" reads principal.claims.banned"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn conformance_counts_and_reports_failures() {
    let good = repo("tests/conformance/tokens-header.json");
    let out = run(&["conformance", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).trim_end().ends_with(" passed, 0 failed"));

    // The same vectors with one expectation turned wrong must fail, naming the vector.
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&good).unwrap()).unwrap();
    let id = doc["vectors"][0]["id"].as_str().unwrap().to_owned();
    let expect = doc["vectors"][0]["expect"].clone();
    doc["vectors"][0]["expect"] = if expect["ok"] == json!(true) {
        json!({"ok": false, "code": "TOKEN_INVALID", "status": 401, "reason": "bad_signature"})
    } else {
        json!({"ok": true, "principal": {"id": "nobody"}})
    };
    let wrong = temp_file("wrong.json", &doc.to_string());
    let out = run(&["conformance", wrong.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains(&format!("FAIL {} {id}: expected", wrong.display())), "{text}");
    assert!(text.trim_end().ends_with(" passed, 1 failed"), "{text}");

    let missing = run(&["conformance", "/nonexistent/vectors.json"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stdout(&missing).contains("0 passed, 1 failed"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&[]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(run(&["verify", "--policy"]).status.code(), Some(2));
    assert_eq!(run(&["verify", "--policy", &policy(), "--now", "soon", "x"]).status.code(), Some(2));
}

#[test]
fn verify_with_an_unreachable_jwks_url_fails_closed_and_says_why_on_stderr() {
    let policy = temp_file(
        "remote.json",
        r#"{"token": {"algorithms": ["EdDSA"]}, "keys": {"jwks_url": "http://127.0.0.1:9/jwks?key=hidden"}}"#,
    );
    let out = run(&["verify", "--policy", policy.to_str().unwrap(), "--now", NOW, &token()]);
    assert_eq!(out.status.code(), Some(1));
    let error: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!((error["code"].as_str(), error["status"].as_u64()), (Some("KEYS_UNAVAILABLE"), Some(503)));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("wardgate: error: fetching http://127.0.0.1:9/jwks failed: "), "{stderr}");
    assert!(!stderr.contains("hidden") && !stderr.contains(&token()), "{stderr}");
}
