//! `wardgate`: verify tokens, decide requests, check policies and run conformance
//! vectors from the command line. Run `wardgate help` for usage.

use std::io::{Read as _, Write as _};
use std::process::ExitCode;

use wardgate::{Engine, Request, UnixTime};
use serde_json::Value;

mod conformance;

const USAGE: &str = "\
usage:
  wardgate verify --policy FILE [--now UNIX] TOKEN|-
  wardgate authorize --policy FILE --action ACTION --resource JSON [--context JSON] [--now UNIX] TOKEN|-
  wardgate check FILE
  wardgate conformance FILE...

TOKEN may be a bare token or a whole `Bearer ...` Authorization value; `-` reads it from stdin.
Exit status: 0 verified / allowed / valid / all passed; 1 refused, denied, invalid or failed; 2 usage.";

/// Options common to `verify` and `authorize`.
#[derive(Default)]
struct Options {
    policy: Option<String>,
    now: Option<f64>,
    action: Option<String>,
    resource: Option<String>,
    context: Option<String>,
    positional: Vec<String>,
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--policy" => o.policy = Some(value("--policy")?),
            "--now" => {
                let text = value("--now")?;
                o.now = Some(
                    text.parse::<f64>()
                        .ok()
                        .filter(|n| n.is_finite())
                        .ok_or_else(|| format!("--now must be Unix seconds, not {}", shown(&text)))?,
                );
            }
            "--action" => o.action = Some(value("--action")?),
            "--resource" => o.resource = Some(value("--resource")?),
            "--context" => o.context = Some(value("--context")?),
            flag if flag.starts_with("--") => return Err(format!("unknown option {}", shown(flag))),
            _ => o.positional.push(arg.clone()),
        }
    }
    Ok(o)
}

/// Prints JSON on stdout.
fn print_json(value: &impl serde::Serialize) {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
    let _ = writeln!(std::io::stdout(), "{text}");
}

fn read_token(arg: &str) -> Result<String, String> {
    if arg != "-" {
        return Ok(arg.to_owned());
    }
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|e| format!("cannot read the token from stdin: {e}"))?;
    Ok(text.trim().to_owned())
}

fn engine_of(o: &Options) -> Result<Engine, ExitCode> {
    let Some(path) = &o.policy else {
        eprintln!("--policy FILE is required\n\n{USAGE}");
        return Err(ExitCode::from(2));
    };
    Engine::from_file(path).map_err(|e| {
        print_json(&e);
        ExitCode::from(1)
    })
}

fn one_token(o: &Options) -> Result<String, ExitCode> {
    match o.positional.as_slice() {
        [token] => read_token(token).map_err(|e| {
            eprintln!("{e}");
            ExitCode::from(2)
        }),
        _ => {
            eprintln!("give exactly one TOKEN (or - for stdin)\n\n{USAGE}");
            Err(ExitCode::from(2))
        }
    }
}

/// A bare token, or the token of a `Bearer` value. What the key cache reports on the
/// way (fetches, failures) goes to stderr.
fn verify(engine: &Engine, credential: &str, now: UnixTime) -> Result<wardgate::Principal, wardgate::AuthError> {
    let result = engine.verify(wardgate::Credential::either(credential), now);
    for event in engine.key_events() {
        eprintln!("wardgate: {}: {}", event.level.as_str(), event.message);
    }
    result
}

fn now_of(o: &Options) -> UnixTime {
    o.now.map_or_else(UnixTime::now, UnixTime::from_secs_f64)
}

fn cmd_verify(args: &[String]) -> Result<ExitCode, ExitCode> {
    let o = parse_options(args).map_err(usage)?;
    let engine = engine_of(&o)?;
    let token = one_token(&o)?;
    match verify(&engine, &token, now_of(&o)) {
        Ok(principal) => {
            print_json(&principal);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            print_json(&e);
            Ok(ExitCode::from(1))
        }
    }
}

fn json_arg(name: &str, text: Option<&String>) -> Result<Value, ExitCode> {
    match text {
        None => Ok(Value::Object(Default::default())),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(v @ Value::Object(_)) => Ok(v),
            _ => Err(usage(format!("{name} must be a JSON object"))),
        },
    }
}

fn cmd_authorize(args: &[String]) -> Result<ExitCode, ExitCode> {
    let o = parse_options(args).map_err(usage)?;
    let action = o.action.clone().ok_or_else(|| usage("--action is required".into()))?;
    if o.resource.is_none() {
        return Err(usage("--resource is required".into()));
    }
    let resource = json_arg("--resource", o.resource.as_ref())?;
    let context = json_arg("--context", o.context.as_ref())?;
    let engine = engine_of(&o)?;
    let token = one_token(&o)?;
    let principal = match verify(&engine, &token, now_of(&o)) {
        Ok(p) => p,
        Err(e) => {
            print_json(&e);
            return Ok(ExitCode::from(1));
        }
    };
    let decision = engine.authorize(&principal, &Request::new(action, resource).with_context(context));
    print_json(&decision);
    Ok(if decision.allowed { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn cmd_check(args: &[String]) -> Result<ExitCode, ExitCode> {
    let [path] = args else { return Err(usage("check takes one FILE".into())) };
    match Engine::validate_file(path) {
        Err(problems) => {
            for problem in &problems {
                println!("error: {problem}");
            }
            println!("{path}: invalid policy, {} error(s)", problems.len());
            Ok(ExitCode::from(1))
        }
        Ok(engine) => {
            let warnings = engine.warnings();
            for w in &warnings {
                println!("warning: {}: {}", w.path, w.message);
            }
            println!("{path}: valid policy, {} warning(s)", warnings.len());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn cmd_conformance(args: &[String]) -> Result<ExitCode, ExitCode> {
    if args.is_empty() {
        return Err(usage("conformance takes one or more vector files".into()));
    }
    let mut stdout = std::io::stdout();
    let tally = conformance::run_files(args, &mut stdout).map_err(|_| ExitCode::from(1))?;
    let _ = writeln!(stdout, "{} passed, {} failed", tally.passed, tally.failed);
    Ok(if tally.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// A mistaken argument, quoted in a usage message only when it looks like a word: a
/// token or a secret given in the wrong place is not printed back.
fn shown(arg: &str) -> String {
    let word = arg.len() <= 24 && arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if word {
        format!("{arg:?}")
    } else {
        format!("({} characters, not shown)", arg.chars().count())
    }
}

fn usage(problem: String) -> ExitCode {
    eprintln!("{problem}\n\n{USAGE}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        return usage("no command given".into());
    };
    let result = match command.as_str() {
        "verify" => cmd_verify(rest),
        "authorize" => cmd_authorize(rest),
        "check" => cmd_check(rest),
        "conformance" => cmd_conformance(rest),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(usage(format!("unknown command {}", shown(other)))),
    };
    result.unwrap_or_else(|code| code)
}
