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
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("error: token.audiance: unknown field"), "{}", stdout(&out));

    doc["rules"][1]["effect"] = json!("allow");
    let out = run(&["check", temp_file("two.json", &doc.to_string()).to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
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
    assert_eq!(out.status.code(), Some(2));
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
    let (policy, token) = (policy(), token());
    let resource = r#"{"type":"todo"}"#;
    let runs: [&[&str]; 14] = [
        &[],
        &["frobnicate"],
        &["--frobnicate"],
        &["help", "frobnicate"],
        &["verify", "--policy"],
        &["verify", "--policy", &policy, "--now", "soon", "x"],
        &["verify", "--policy", &policy],
        &["verify", "--policy", &policy, "--action", "read", &token],
        &["verify", &token],
        &["authorize", "--policy", &policy, "--resource", resource, &token],
        &["authorize", "--policy", &policy, "--action", "read", &token],
        &["check", &policy, &policy],
        &["check", "--policy", &policy],
        &["conformance"],
    ];
    for args in runs {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "wardgate {args:?}");
        assert!(out.stdout.is_empty(), "wardgate {args:?}: {}", stdout(&out));
        assert!(stderr(&out).contains("usage:"), "wardgate {args:?}: {}", stderr(&out));
    }
    // A command's usage error shows that command's usage.
    let out = run(&["check", "--policy", &policy]);
    assert!(
        stderr(&out).starts_with("unknown option \"--policy\"\n\nusage: wardgate check FILE\n"),
        "{}",
        stderr(&out)
    );
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `wardgate ARGS` with `input` on stdin.
fn run_with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wardgate"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    // The binary may exit without reading it.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().unwrap()
}

const COMMANDS: [&str; 4] = ["verify", "authorize", "check", "conformance"];

#[test]
fn version_prints_the_binary_and_its_version() {
    for flag in ["--version", "-V"] {
        let out = run(&[flag]);
        assert_eq!(out.status.code(), Some(0), "{flag}");
        assert_eq!(stdout(&out), format!("wardgate {}\n", env!("CARGO_PKG_VERSION")), "{flag}");
        assert!(out.stderr.is_empty(), "{flag}: {}", stderr(&out));
    }
}

#[test]
fn help_lists_every_command_and_the_exit_statuses() {
    for flag in ["--help", "-h", "help"] {
        let out = run(&[flag]);
        assert_eq!(out.status.code(), Some(0), "{flag}");
        assert!(out.stderr.is_empty(), "{flag}: {}", stderr(&out));
        let text = stdout(&out);
        for command in COMMANDS {
            assert!(text.contains(&format!("\n  wardgate {command} ")), "{flag}: no {command}: {text}");
        }
        for status in 0..=3 {
            assert!(text.contains(&format!("\n  {status}  ")), "{flag}: no exit status {status}: {text}");
        }
    }
}

#[test]
fn help_of_every_command_prints_its_usage_and_runs_nothing() {
    let (policy, token) = (policy(), token());
    let options = [
        ("verify", &["--policy FILE", "--now UNIX", "TOKEN"][..]),
        (
            "authorize",
            &["--policy FILE", "--action ACTION", "--resource JSON", "--context JSON", "--now UNIX", "TOKEN"],
        ),
        ("check", &["FILE"]),
        ("conformance", &["FILE..."]),
    ];
    for (command, described) in options {
        let runs: [&[&str]; 4] = [
            &[command, "--help"],
            &[command, "-h"],
            &["help", command],
            // After other arguments too: the command does not run (nor read stdin).
            &[command, "--policy", &policy, "/nonexistent/file.json", &token, "--help"],
        ];
        for args in runs {
            let args: Vec<&str> = if command == "check" || command == "conformance" {
                args.iter().copied().filter(|a| *a != "--policy" && *a != policy).collect()
            } else {
                args.to_vec()
            };
            let out = run(&args);
            assert_eq!(out.status.code(), Some(0), "wardgate {args:?}: {}", stderr(&out));
            assert!(out.stderr.is_empty(), "wardgate {args:?}: {}", stderr(&out));
            let text = stdout(&out);
            assert!(text.starts_with(&format!("usage: wardgate {command} ")), "wardgate {args:?}: {text}");
            assert!(text.contains("\nexit status: 0 "), "wardgate {args:?}: {text}");
            for other in COMMANDS.iter().filter(|c| **c != command) {
                assert!(!text.contains(&format!("wardgate {other} ")), "wardgate {args:?}: {text}");
            }
            for option in described {
                assert!(
                    text.contains(&format!("\n  {option} ")),
                    "wardgate {args:?}: {option} is not described: {text}"
                );
            }
        }
    }
}

#[test]
fn allowed_exits_0_refused_or_denied_exits_1() {
    let (policy, token) = (policy(), token());
    let later = "1764100000"; // the token has expired
    let own = r#"{"type":"todo","owner_id":"user_1"}"#;
    let other = r#"{"type":"todo","owner_id":"user_2"}"#;
    let cases: [(&[&str], i32, &str); 5] = [
        (&["verify", "--policy", &policy, "--now", NOW, &token], 0, "user_1"),
        (
            &["authorize", "--policy", &policy, "--now", NOW, "--action", "read", "--resource", own, &token],
            0,
            "own-todos",
        ),
        (&["verify", "--policy", &policy, "--now", later, &token], 1, "TOKEN_EXPIRED"),
        (
            &["authorize", "--policy", &policy, "--now", later, "--action", "read", "--resource", own, &token],
            1,
            "TOKEN_EXPIRED",
        ),
        (
            &["authorize", "--policy", &policy, "--now", NOW, "--action", "delete", "--resource", other, &token],
            1,
            "INSUFFICIENT_PERMISSIONS",
        ),
    ];
    for (args, status, shows) in cases {
        let out = run(args);
        assert_eq!(out.status.code(), Some(status), "wardgate {}: {}", args[0], stdout(&out));
        let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert!(json.to_string().contains(shows), "wardgate {}: {json}", args[0]);
    }
}

#[test]
fn a_policy_that_does_not_load_exits_2() {
    let token = token();
    let not_json = temp_file("not-json.json", "{");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(policy()).unwrap()).unwrap();
    doc["rules"][0]["effect"] = json!("allow");
    let invalid = temp_file("invalid.json", &doc.to_string());
    for (file, path) in [(&not_json, ""), (&invalid, "rules[0].effect")] {
        let file = file.to_str().unwrap();
        let resource = r#"{"type":"todo"}"#;
        for args in [
            &["verify", "--policy", file, "--now", NOW, &token][..],
            &["authorize", "--policy", file, "--now", NOW, "--action", "read", "--resource", resource, &token],
        ] {
            let out = run(args);
            assert_eq!(out.status.code(), Some(2), "wardgate {} {file}", args[0]);
            let error: Value = serde_json::from_str(&stdout(&out)).unwrap();
            assert_eq!((error["code"].as_str(), error["path"].as_str()), (Some("CONFIG_ERROR"), Some(path)));
        }
        // Not even with the token on stdin, which is then not read.
        let out = run_with_stdin(&["verify", "--policy", file, "-"], token.as_bytes());
        assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
        let out = run(&["check", file]);
        assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
        assert!(stdout(&out).contains(": invalid policy, 1 error(s)"), "{}", stdout(&out));
    }
}

#[test]
fn io_errors_exit_3() {
    let (policy, token) = (policy(), token());
    let missing = "/nonexistent/policy.json";
    let resource = r#"{"type":"todo"}"#;
    for args in [
        &["verify", "--policy", missing, "--now", NOW, &token][..],
        &["authorize", "--policy", missing, "--now", NOW, "--action", "read", "--resource", resource, &token],
        &["check", missing],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(3), "wardgate {}: {}", args[0], stdout(&out));
        assert!(out.stdout.is_empty(), "wardgate {}: {}", args[0], stdout(&out));
        assert!(stderr(&out).starts_with(&format!("wardgate: cannot read {missing}: ")), "{}", stderr(&out));
    }

    // A token on stdin that is not text.
    let out = run_with_stdin(&["verify", "--policy", &policy, "--now", NOW, "-"], b"\xff\xfe not text");
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    assert!(stderr(&out).starts_with("wardgate: cannot read the token from stdin: "), "{}", stderr(&out));

    // Stdout that cannot be written, whatever the outcome would have been.
    let Ok(full) = std::fs::File::options().write(true).open("/dev/full") else { return };
    let good = repo("tests/conformance/tokens-header.json");
    for args in [
        &["verify", "--policy", &policy, "--now", NOW, &token][..],
        &["verify", "--policy", &policy, "--now", "1764100000", &token],
        &["check", &policy],
        &["conformance", good.to_str().unwrap()],
        &["--help"],
        &["verify", "--help"],
        &["--version"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_wardgate"))
            .args(args)
            .stdout(full.try_clone().unwrap())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "wardgate {args:?}: {}", stderr(&out));
        assert!(stderr(&out).starts_with("wardgate: cannot write to stdout: "), "{}", stderr(&out));
    }
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

/// `wardgate filter` on the sample policy and token at [`NOW`].
fn filter(action: &str, extra: &[&str]) -> Output {
    let (policy, token) = (policy(), token());
    let mut args = vec!["filter", "--policy", &policy, "--now", NOW, "--action", action, "--type", "todo"];
    args.extend_from_slice(extra);
    args.push(&token);
    run(&args)
}

#[test]
fn filter_prints_the_plan_and_its_sql() {
    let out = filter("read", &["--columns", r#"{"owner_id":"text"}"#, "--dialect", "postgres"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let plan: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(plan["kind"], "conditional");
    assert_eq!(plan["permits"][0]["rule"], "own-todos");
    assert_eq!(plan["sql"]["postgres"]["sql"], r#""owner_id" = $1::text"#);
    assert_eq!(plan["sql"]["postgres"]["params"], json!(["user_1"]));
    assert!(plan["sql"].get("sqlite").is_none());

    let without_columns = filter("read", &[]);
    let plan: Value = serde_json::from_str(&stdout(&without_columns)).unwrap();
    assert!(plan.get("sql").is_none());
    assert_eq!(filter("archive", &[]).status.code(), Some(0));
    let never: Value = serde_json::from_str(&stdout(&filter("archive", &[]))).unwrap();
    assert_eq!(never["kind"], "never");
}

#[test]
fn filter_refuses_bad_arguments_and_tokens() {
    assert_eq!(filter("read", &["--dialect", "oracle"]).status.code(), Some(2));
    assert_eq!(filter("read", &["--columns", r#"{"owner_id":"varchar"}"#]).status.code(), Some(2));
    let (policy, token) = (policy(), token());
    let missing_type = run(&["filter", "--policy", &policy, "--action", "read", &token]);
    assert_eq!(missing_type.status.code(), Some(2));
    let expired =
        run(&["filter", "--policy", &policy, "--now", "1764100000", "--action", "read", "--type", "todo", &token]);
    assert_eq!(expired.status.code(), Some(1));
    assert_eq!(serde_json::from_str::<Value>(&stdout(&expired)).unwrap()["code"], "TOKEN_EXPIRED");
}
