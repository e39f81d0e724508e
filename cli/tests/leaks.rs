//! Hardening: what `wardgate verify`, `authorize` and `check` print on failing inputs
//! (stdout and stderr, the key cache's log lines included) never holds the token, a key or
//! a secret.
//!
//! Every conformance vector (the project's, and the shared ones beside the repository when
//! present) is run through the binary: `check` on its policy, `verify` of its credential as
//! written (from the command line) and with its token's signature altered (from stdin), and
//! `authorize` with its request, or with one no rule permits. The needles: the token and
//! its parts, the `Authorization` value, and every string under the policy's `keys`. A JWKS
//! endpoint that serves private keys, garbage or errors is covered at the end.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

#[path = "../../core/tests/http_stub/mod.rs"]
mod http_stub;
#[path = "../../core/tests/needles/mod.rs"]
mod needles;

use http_stub::{read_request_head, write_json_response};
use needles::{
    altered, assert_no_leaks, credential_needles, key_needles, prefix, project_vector_files, push, shared_vector_files,
    vectors, Needle, Needles,
};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------
// Running the binary, and searching what it printed.

/// What was run, and what was found.
#[derive(Default)]
struct Audit {
    /// Runs that failed (exit status 1: refused or denied; 2: a policy that does not load).
    failures: usize,
    failing_vectors: BTreeSet<String>,
    /// The lines the key cache logged on stderr.
    logged: Vec<String>,
    leaks: Vec<String>,
}

impl Audit {
    /// Runs `wardgate ARGS` (with `stdin` when given) for `vector` (and the `variant` of its
    /// credential) and searches its output.
    fn run(&mut self, vector: &str, variant: &str, needles: &Needles, args: &[&str], stdin: Option<&str>) {
        let output = wardgate(args, stdin);
        if matches!(output.status.code(), Some(1 | 2)) {
            self.failures += 1;
            self.failing_vectors.insert(vector.to_owned());
        }
        let command = format!("wardgate {}{}", args[0], if stdin.is_some() { " (token on stdin)" } else { "" });
        for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            for Needle { what, text: needle } in needles {
                if text.contains(needle.as_str()) {
                    let start = prefix(needle);
                    self.leaks
                        .push(format!("{vector}{variant}: {command}: {stream} holds {what} (starting {start:?})"));
                }
            }
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        self.logged.extend(stderr.lines().filter(|l| l.starts_with("wardgate: ")).map(str::to_owned));
    }

    fn assert_clean(&self) {
        assert_no_leaks(&self.leaks);
    }
}

fn wardgate(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wardgate"))
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(text) = stdin {
        // The binary may exit without reading it (a policy that does not load).
        let _ = child.stdin.take().unwrap().write_all(text.as_bytes());
    }
    child.wait_with_output().unwrap()
}

/// A directory of its own for the policy files of one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wardgate-cli-leaks-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs one vector through `check`, `verify` and `authorize`.
fn run_vector(audit: &mut Audit, dir: &Path, file: &str, vector: &Value) {
    let id = format!("{file}:{}", vector["id"].as_str().unwrap_or("?"));
    let policy_file = dir.join("policy.json");
    std::fs::write(&policy_file, vector["policy"].to_string()).unwrap();
    let policy = policy_file.to_string_lossy().into_owned();
    let now = vector["now"].as_f64().unwrap_or(1_764_000_000.0).to_string();

    let mut needles = Needles::new();
    key_needles(&vector["policy"]["keys"], "keys", &mut needles);
    audit.run(&id, "", &needles, &["check", &policy], None);

    let (kind, credential) = match (&vector["token"], &vector["authorization"]) {
        (Value::String(t), _) => ("the token", t.as_str()),
        (_, Value::String(h)) => ("the Authorization value", h.as_str()),
        _ => ("nothing", ""),
    };
    credential_needles(kind, credential, &mut needles);
    // A credential that starts with `-` would be read as an option (or stdin): give it on stdin.
    if credential.starts_with('-') {
        audit.run(&id, "", &needles, &["verify", "--policy", &policy, "--now", &now, "-"], Some(credential));
    } else {
        audit.run(&id, "", &needles, &["verify", "--policy", &policy, "--now", &now, credential], None);
    }

    if let Some(tampered) = credential.split_whitespace().last().and_then(altered) {
        let mut needles = needles.clone();
        credential_needles("the altered token", &tampered, &mut needles);
        let args = ["verify", "--policy", &policy, "--now", &now, "-"];
        audit.run(&id, " (signature altered)", &needles, &args, Some(&tampered));
    }

    // The vector's request, or one that no rule permits, so that a verified token is denied.
    let request = vector.get("request").cloned().unwrap_or(json!({"action": "leak-check"}));
    let action = request["action"].as_str().unwrap_or("leak-check").to_owned();
    let resource = request.get("resource").cloned().unwrap_or(json!({"type": "leak-check"})).to_string();
    let context = request.get("context").cloned().unwrap_or(json!({})).to_string();
    if !credential.starts_with('-') {
        let args = [
            "authorize",
            "--policy",
            &policy,
            "--action",
            &action,
            "--resource",
            &resource,
            "--context",
            &context,
            "--now",
            &now,
            credential,
        ];
        audit.run(&id, "", &needles, &args, None);
    }
}

fn audit_files(files: &[PathBuf], name: &str) -> Audit {
    let dir = scratch(name);
    let mut audit = Audit::default();
    for (file, vector) in vectors(files) {
        run_vector(&mut audit, &dir, &file, &vector);
    }
    let _ = std::fs::remove_dir_all(&dir);
    audit
}

#[test]
fn the_projects_vectors_print_no_secret() {
    let audit = audit_files(&project_vector_files(), "project");
    audit.assert_clean();
    // Not vacuous: many failing runs, of nearly every vector, and the key cache's log lines.
    assert!(audit.failures >= 1_500, "{} failing runs", audit.failures);
    assert!(audit.failing_vectors.len() >= 700, "{} failing vectors", audit.failing_vectors.len());
    assert!(audit.logged.len() >= 10, "{} logged lines", audit.logged.len());
    eprintln!("leaks: {} failing runs of {} vectors", audit.failures, audit.failing_vectors.len());
}

#[test]
fn the_shared_vectors_print_no_secret() {
    let Some(files) = shared_vector_files() else { return };
    let audit = audit_files(&files, "shared");
    audit.assert_clean();
    assert!(audit.failures >= 100, "{} failing runs", audit.failures);
}

#[test]
fn the_audit_finds_a_needle() {
    let mut needles = Needles::new();
    credential_needles("the token", "aaaaaaaaaa.bbbbbbbbbb.cccccccccc", &mut needles);
    key_needles(&json!({"secret": "s3cr3t-s3cr3t", "jwk": {"kid": "a-public-name"}}), "keys", &mut needles);
    assert!(needles.iter().any(|n| n.what == "the token (part 2)" && n.text == "bbbbbbbbbb"));
    assert!(needles.iter().any(|n| n.what == "keys.secret" && n.text == "s3cr3t-s3cr3t"));
    assert!(!needles.iter().any(|n| n.text == "a-public-name"));
    // `check` prints the policy's path: a needle there is found.
    let dir = scratch("self-check");
    let policy = dir.join("s3cr3t-s3cr3t.json");
    std::fs::write(&policy, "{").unwrap();
    let mut audit = Audit::default();
    audit.run("self-check", "", &needles, &["check", &policy.to_string_lossy()], None);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(audit.failures, 1);
    assert!(audit.leaks.iter().any(|l| l.starts_with("self-check: wardgate check: stdout holds keys.secret")));
}

/// A token or a secret given where a command, an option or `--now` goes is not printed back
/// in the usage message; a mistyped command name is.
#[test]
fn misplaced_arguments_are_not_printed_back() {
    let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtaXNwbGFjZWQifQ.bWlzcGxhY2VkLXNpZ25hdHVyZQ";
    let mut needles = Needles::new();
    credential_needles("the token", token, &mut needles);
    let mut audit = Audit::default();
    let option = format!("--{token}");
    for args in [vec![token], vec!["verify", option.as_str(), "x"], vec!["verify", "--now", token, "x"]] {
        let output = wardgate(&args, None);
        assert_eq!(output.status.code(), Some(2), "{} is a usage error", args[0]);
        audit.run("misplaced", "", &needles, &args, None);
    }
    audit.assert_clean();
    let typo = wardgate(&["verfy"], None);
    assert!(String::from_utf8_lossy(&typo.stderr).starts_with("unknown command \"verfy\""));
}

/// `wardgate verify` against a JWKS endpoint on 127.0.0.1 that serves private keys,
/// garbage or errors: the key cache's lines on stderr hold none of it, nor the URL's query.
#[test]
fn misbehaving_key_set_endpoints_print_no_secret() {
    const URL_TOKEN: &str = "url-query-credential-7f3e9a";
    const BODY_SECRET: &str = "cookie-secret-from-a-misconfigured-server-4c1d";
    let x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    let d = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    let bodies = [
        (200, json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "d": d, "kid": "k1"}]}).to_string()),
        (200, json!({"keys": [{"kty": "oct", "k": BODY_SECRET, "kid": "k1"}]}).to_string()),
        (200, format!("<html>{BODY_SECRET}</html>")),
        (200, json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": BODY_SECRET, "kid": "k1"}]}).to_string()),
        (500, json!({"error": BODY_SECRET}).to_string()),
    ];
    let dir = scratch("remote");
    let mut audit = Audit::default();
    for (status, body) in bodies {
        let url = format!("{}?access_token={URL_TOKEN}", serve_once(status, body.clone()));
        let policy_file = dir.join("policy.json");
        std::fs::write(
            &policy_file,
            json!({"token": {"algorithms": ["EdDSA"]}, "keys": {"jwks_url": url}}).to_string(),
        )
        .unwrap();
        let token = "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1MSIsImV4cCI6MTc2NDAwMDkwMH0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";
        let mut needles = Needles::new();
        credential_needles("the token", token, &mut needles);
        key_needles(&json!({"jwks_url": url}), "keys", &mut needles);
        if let Ok(served) = serde_json::from_str::<Value>(&body) {
            key_needles(&served, "served", &mut needles);
        }
        push(&mut needles, "a secret in the served body", BODY_SECRET);
        push(&mut needles, "the served d", d);
        let policy = policy_file.to_string_lossy().into_owned();
        audit.run("remote", "", &needles, &["verify", "--policy", &policy, "--now", "1764000000", token], None);
    }
    let _ = std::fs::remove_dir_all(&dir);
    audit.assert_clean();
    assert_eq!(audit.failures, 5);
    for why in ["private or symmetric key material", "is not JSON", "no usable key", "HTTP 500"] {
        assert!(audit.logged.iter().any(|l| l.contains(why)), "no line on stderr says {why:?}: {:?}", audit.logged);
    }
}

/// A JWKS endpoint on 127.0.0.1 that answers one request with `status` and `body`.
fn serve_once(status: u16, body: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/jwks", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else { return };
        if read_request_head(&mut stream) {
            write_json_response(&mut stream, &format!("{status} X"), "", &body);
        }
    });
    url
}
