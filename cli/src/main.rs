//! `wardgate`: verify tokens, decide requests, check policies and run conformance
//! vectors from the command line. `wardgate --help` and `wardgate COMMAND --help` print
//! usage; [`Exit`] lists the exit statuses.

use std::io::{Read as _, Write as _};
use std::process::ExitCode;

use serde_json::Value;
use wardgate::filter::sql::{Columns, Dialect};
use wardgate::filter::FilterError;
use wardgate::{AuthError, ConfigError, Credential, Decision, Engine, Principal, Request, UnixTime};

mod conformance;
mod filters;

/// The exit status of every command:
///
/// | status | meaning |
/// |--------|---------|
/// | 0 | success: the token is verified, the request allowed, the policy valid (warnings or not), every conformance vector passed; also `--help` and `--version` |
/// | 1 | a refused token or a denied request; a conformance vector that failed (a vector file that cannot be read counts as one) |
/// | 2 | the policy does not load (a `ConfigError`: not JSON, or not a valid policy document), or a usage error |
/// | 3 | I/O: the policy file or the token on stdin cannot be read, or stdout cannot be written |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    Success = 0,
    Refused = 1,
    Invalid = 2,
    Io = 3,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// The exit statuses, as `--help` shows them.
const EXIT_STATUS: &str = "\
exit status:
  0  verified, allowed, a valid policy, every vector passed; --help, --version
  1  a refused token or a denied request; a failed conformance vector
  2  the policy does not load (not JSON, or not a valid policy), or a usage error
  3  the policy file or stdin cannot be read, or stdout cannot be written";

/// One command: its usage line, the options it takes (each with a value), its help and
/// what runs it.
struct Command {
    name: &'static str,
    synopsis: &'static str,
    options: &'static [&'static str],
    help: &'static str,
    run: fn(Args) -> Result<Exit, Stop>,
}

const VERIFY: Command = Command {
    name: "verify",
    run: cmd_verify,
    synopsis: "--policy FILE [--now UNIX] TOKEN|-",
    options: &["--policy", "--now"],
    help: "\
Verifies TOKEN with the policy in FILE and prints the principal, or the error, as JSON.

  --policy FILE  the policy document (JSON)
  --now UNIX     the time the token's claims are checked against, in Unix seconds
                 (default: the clock)
  TOKEN          a bare token or a whole `Bearer ...` Authorization value; `-` reads it
                 from stdin

exit status: 0 verified; 1 refused; 2 the policy does not load, or a usage error;
3 the policy file or stdin cannot be read, or stdout cannot be written.",
};

const AUTHORIZE: Command = Command {
    name: "authorize",
    run: cmd_authorize,
    synopsis: "--policy FILE --action ACTION --resource JSON [--context JSON] [--now UNIX] TOKEN|-",
    options: &["--policy", "--action", "--resource", "--context", "--now"],
    help: "\
Verifies TOKEN with the policy in FILE, decides whether its principal may do ACTION to the
resource, and prints the decision (or the token's error) as JSON.

  --policy FILE    the policy document (JSON)
  --action ACTION  the action, e.g. read
  --resource JSON  the resource, a JSON object, e.g. '{\"type\":\"todo\",\"owner_id\":\"u1\"}'
  --context JSON   the request's context, a JSON object (default: {})
  --now UNIX       the time the token's claims are checked against, in Unix seconds
                   (default: the clock)
  TOKEN            a bare token or a whole `Bearer ...` Authorization value; `-` reads it
                   from stdin

exit status: 0 allowed; 1 the token is refused or the request denied; 2 the policy does
not load, or a usage error; 3 the policy file or stdin cannot be read, or stdout cannot be
written.",
};

const CHECK: Command = Command {
    name: "check",
    run: cmd_check,
    synopsis: "FILE",
    options: &[],
    help: "\
Checks the policy in FILE: prints every problem with its path or column, and warnings
(rules that can never apply, forbid rules that read an attribute without a `has` guard,
algorithms with no key).

  FILE  the policy document (JSON)

exit status: 0 a valid policy (warnings or not); 2 the policy does not load, or a usage
error; 3 FILE cannot be read, or stdout cannot be written.",
};

const CONFORMANCE: Command = Command {
    name: "conformance",
    run: cmd_conformance,
    synopsis: "FILE...",
    options: &[],
    help: "\
Runs the conformance vector files: prints a FAIL line per vector that does not behave as
expected (and per file that cannot be read), then `N passed, N failed`.

  FILE...  vector files: each a policy, a clock, a credential, maybe a request, and what
           is expected (docs/vectors.md)

exit status: 0 every vector passed; 1 a vector failed, or a file cannot be read; 2 a usage
error; 3 stdout cannot be written.",
};

const FILTER: Command = Command {
    name: "filter",
    run: cmd_filter,
    synopsis:
        "--policy FILE --action ACTION --type TYPE [--context JSON] [--columns JSON] [--dialect D] [--now UNIX] TOKEN|-",
    options: &["--policy", "--action", "--type", "--context", "--columns", "--dialect", "--now"],
    help: "\
Verifies TOKEN with the policy in FILE and prints, as JSON, the list filter for its
principal: which resources of TYPE the policy lets it ACTION (`kind`: always, never or
conditional, and each deciding rule's condition on the resource), and with --columns the
WHERE condition a list endpoint runs, with its parameters.

  --policy FILE    the policy document (JSON)
  --action ACTION  the action, e.g. read
  --type TYPE      the resource type, e.g. todo
  --context JSON   the request's context, a JSON object (default: {})
  --columns JSON   the table's columns and their types, e.g.
                   '{\"owner_id\":\"text\",\"priority\":\"integer\",\"done\":\"boolean\"}'
                   (types: text, integer, real, boolean)
  --dialect D      sqlite or postgres (default: both)
  --now UNIX       the time the token's claims are checked against, in Unix seconds
                   (default: the clock)
  TOKEN            a bare token or a whole `Bearer ...` Authorization value; `-` reads it
                   from stdin

exit status: 0 the filter is printed; 1 the token is refused; 2 the policy does not load,
the filter cannot be planned or translated, or a usage error; 3 the policy file or stdin
cannot be read, or stdout cannot be written.",
};

const COMMANDS: [&Command; 5] = [&VERIFY, &AUTHORIZE, &CHECK, &FILTER, &CONFORMANCE];

/// `wardgate --help`.
fn usage_text() -> String {
    let mut text = String::from(
        "wardgate: verify tokens, decide requests, check policies and run conformance vectors.\n\nusage:\n",
    );
    for command in COMMANDS {
        text += &format!("  wardgate {} {}\n", command.name, command.synopsis);
    }
    text += "  wardgate COMMAND --help | wardgate help [COMMAND] | wardgate --version\n\n";
    text += "TOKEN may be a bare token or a whole `Bearer ...` Authorization value; `-` reads it from stdin.\n\n";
    text + EXIT_STATUS
}

/// `wardgate COMMAND --help`.
fn help_text(command: &Command) -> String {
    format!("usage: wardgate {} {}\n\n{}", command.name, command.synopsis, command.help)
}

// ---------------------------------------------------------------------------------------
// Every call from the commands into the `wardgate` crate (the conformance runner has its own).

/// Loads a policy document given as JSON text.
fn load(text: &str) -> Result<Engine, ConfigError> {
    Engine::from_json(text)
}

/// Every problem of a policy document given as JSON text, or the engine.
fn validate(text: &str) -> Result<Engine, Vec<ConfigError>> {
    match serde_json::from_str::<Value>(text) {
        Ok(doc) => Engine::validate(&doc),
        // Not JSON: the engine's own message, with the line and column.
        Err(_) => load(text).map_err(|e| vec![e]),
    }
}

/// The warnings of a loaded policy, each as `path: message`.
fn warnings(engine: &Engine) -> Vec<String> {
    engine.warnings().into_iter().map(|w| format!("{}: {}", w.path, w.message)).collect()
}

/// Verifies a bare token or a `Bearer` value at `now` (default: the clock). What the key
/// cache reports on the way (fetches, failures) goes to stderr.
fn verify(engine: &Engine, credential: &str, now: Option<f64>) -> Result<Principal, AuthError> {
    let now = now.map_or_else(UnixTime::now, UnixTime::from_secs_f64);
    let result = engine.verify(Credential::either(credential), now);
    for event in engine.key_events() {
        eprintln!("wardgate: {}: {}", event.level.as_str(), event.message);
    }
    result
}

/// Decides one request; `.0` is whether it is allowed.
fn authorize(
    engine: &Engine,
    principal: &Principal,
    action: String,
    resource: Value,
    context: Value,
) -> (bool, Decision) {
    let decision = engine.authorize(principal, &Request::new(action, resource).with_context(context));
    (decision.allowed, decision)
}

// ---------------------------------------------------------------------------------------
// Arguments, input and output.

/// Why a command stops before its result.
enum Stop {
    /// A usage error: the problem goes to stderr with the command's usage (or the
    /// whole usage when `None`).
    Usage(Option<&'static Command>, String),
    /// Something cannot be read or written: the problem goes to stderr.
    Io(String),
    /// The policy does not load: already reported on stdout.
    Invalid,
}

/// The options and arguments of one command.
#[derive(Default)]
struct Args {
    policy: Option<String>,
    now: Option<f64>,
    action: Option<String>,
    resource: Option<String>,
    context: Option<String>,
    resource_type: Option<String>,
    columns: Option<String>,
    dialect: Option<String>,
    positional: Vec<String>,
}

/// `None` when `--help` (or `-h`) is asked for.
fn parse_args(command: &'static Command, args: &[String]) -> Result<Option<Args>, Stop> {
    let usage = |problem: String| Stop::Usage(Some(command), problem);
    let mut o = Args::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let arg = arg.as_str();
        if arg == "--help" || arg == "-h" {
            return Ok(None);
        }
        if !arg.starts_with("--") {
            o.positional.push(arg.to_owned());
            continue;
        }
        if !command.options.contains(&arg) {
            return Err(usage(format!("unknown option {}", shown(arg))));
        }
        let value = it.next().cloned().ok_or_else(|| usage(format!("{arg} needs a value")))?;
        match arg {
            "--policy" => o.policy = Some(value),
            "--now" => {
                let now = value.parse::<f64>().ok().filter(|n| n.is_finite());
                o.now = Some(now.ok_or_else(|| usage(format!("--now must be Unix seconds, not {}", shown(&value))))?);
            }
            "--action" => o.action = Some(value),
            "--resource" => o.resource = Some(value),
            "--type" => o.resource_type = Some(value),
            "--columns" => o.columns = Some(value),
            "--dialect" => o.dialect = Some(value),
            _ => o.context = Some(value),
        }
    }
    Ok(Some(o))
}

/// Writes `text` and a newline on stdout.
fn print(text: &str) -> Result<(), Stop> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{text}")
        .and_then(|()| stdout.flush())
        .map_err(|e| Stop::Io(format!("cannot write to stdout: {e}")))
}

/// Prints JSON on stdout.
fn print_json(value: &impl serde::Serialize) -> Result<(), Stop> {
    print(&serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into()))
}

/// The policy named by `--policy`, loaded (a policy that does not load is printed as JSON).
fn engine_of(command: &'static Command, o: &Args) -> Result<Engine, Stop> {
    let path = o.policy.as_deref().ok_or_else(|| Stop::Usage(Some(command), "--policy FILE is required".into()))?;
    load(&read_file(path)?).or_else(|e| {
        print_json(&e)?;
        Err(Stop::Invalid)
    })
}

fn read_file(path: &str) -> Result<String, Stop> {
    std::fs::read_to_string(path).map_err(|e| Stop::Io(format!("cannot read {path}: {e}")))
}

/// The one TOKEN argument; checked before the policy is loaded, read (from stdin for `-`)
/// after.
fn token_arg(command: &'static Command, o: &Args) -> Result<String, Stop> {
    match o.positional.as_slice() {
        [token] => Ok(token.clone()),
        _ => Err(Stop::Usage(Some(command), "give exactly one TOKEN (or - for stdin)".into())),
    }
}

fn read_token(arg: String) -> Result<String, Stop> {
    if arg != "-" {
        return Ok(arg);
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Stop::Io(format!("cannot read the token from stdin: {e}")))?;
    Ok(text.trim().to_owned())
}

fn json_arg(name: &str, text: Option<&String>) -> Result<Value, Stop> {
    json_arg_of(&AUTHORIZE, name, text)
}

fn json_arg_of(command: &'static Command, name: &str, text: Option<&String>) -> Result<Value, Stop> {
    match text {
        None => Ok(Value::Object(Default::default())),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(v @ Value::Object(_)) => Ok(v),
            _ => Err(Stop::Usage(Some(command), format!("{name} must be a JSON object"))),
        },
    }
}

// ---------------------------------------------------------------------------------------
// The commands.

fn cmd_verify(o: Args) -> Result<Exit, Stop> {
    let token = token_arg(&VERIFY, &o)?;
    let engine = engine_of(&VERIFY, &o)?;
    match verify(&engine, &read_token(token)?, o.now) {
        Ok(principal) => print_json(&principal).map(|()| Exit::Success),
        Err(e) => print_json(&e).map(|()| Exit::Refused),
    }
}

fn cmd_authorize(o: Args) -> Result<Exit, Stop> {
    let usage = |problem: &str| Stop::Usage(Some(&AUTHORIZE), problem.into());
    let action = o.action.clone().ok_or_else(|| usage("--action is required"))?;
    if o.resource.is_none() {
        return Err(usage("--resource is required"));
    }
    let resource = json_arg("--resource", o.resource.as_ref())?;
    let context = json_arg("--context", o.context.as_ref())?;
    let token = token_arg(&AUTHORIZE, &o)?;
    let engine = engine_of(&AUTHORIZE, &o)?;
    let principal = match verify(&engine, &read_token(token)?, o.now) {
        Ok(p) => p,
        Err(e) => return print_json(&e).map(|()| Exit::Refused),
    };
    let (allowed, decision) = authorize(&engine, &principal, action, resource, context);
    print_json(&decision)?;
    Ok(if allowed { Exit::Success } else { Exit::Refused })
}

fn cmd_check(o: Args) -> Result<Exit, Stop> {
    let [path] = o.positional.as_slice() else { return Err(Stop::Usage(Some(&CHECK), "check takes one FILE".into())) };
    match validate(&read_file(path)?) {
        Err(problems) => {
            for problem in &problems {
                print(&format!("error: {problem}"))?;
            }
            print(&format!("{path}: invalid policy, {} error(s)", problems.len()))?;
            Ok(Exit::Invalid)
        }
        Ok(engine) => {
            let warnings = warnings(&engine);
            for warning in &warnings {
                print(&format!("warning: {warning}"))?;
            }
            print(&format!("{path}: valid policy, {} warning(s)", warnings.len()))?;
            Ok(Exit::Success)
        }
    }
}

fn cmd_filter(o: Args) -> Result<Exit, Stop> {
    let usage = |problem: String| Stop::Usage(Some(&FILTER), problem);
    let action = o.action.clone().ok_or_else(|| usage("--action is required".into()))?;
    let resource_type = o.resource_type.clone().ok_or_else(|| usage("--type is required".into()))?;
    let Value::Object(context) = json_arg_of(&FILTER, "--context", o.context.as_ref())? else { unreachable!() };
    let columns = match &o.columns {
        None => None,
        Some(_) => Some(
            Columns::from_value(&json_arg_of(&FILTER, "--columns", o.columns.as_ref())?)
                .map_err(|e| usage(e.to_string()))?,
        ),
    };
    let dialects = match o.dialect.as_deref() {
        None => vec![Dialect::Sqlite, Dialect::Postgres],
        Some(name) => vec![Dialect::from_name(name)
            .ok_or_else(|| usage(format!("--dialect must be sqlite or postgres, not {}", shown(name))))?],
    };
    let token = token_arg(&FILTER, &o)?;
    let engine = engine_of(&FILTER, &o)?;
    let principal = match verify(&engine, &read_token(token)?, o.now) {
        Ok(p) => p,
        Err(e) => return print_json(&e).map(|()| Exit::Refused),
    };
    let failed = |e: FilterError| {
        print_json(&serde_json::json!({"error": {"code": e.code(), "detail": e.to_string()}}))?;
        Ok(Exit::Invalid)
    };
    let filter = match engine.filter(&principal, &action, &resource_type, &context) {
        Ok(filter) => filter,
        Err(e) => return failed(e),
    };
    let mut out = filter.to_value();
    if let Some(columns) = &columns {
        let mut sql = serde_json::Map::new();
        for dialect in dialects {
            match filter.sql(dialect, columns) {
                Ok(text) => sql.insert(dialect.as_str().into(), text.to_value(dialect)),
                Err(e) => return failed(e),
            };
        }
        out["sql"] = Value::Object(sql);
    }
    print_json(&out).map(|()| Exit::Success)
}

fn cmd_conformance(o: Args) -> Result<Exit, Stop> {
    if o.positional.is_empty() {
        return Err(Stop::Usage(Some(&CONFORMANCE), "conformance takes one or more vector files".into()));
    }
    let io = |e: std::io::Error| Stop::Io(format!("cannot write to stdout: {e}"));
    let mut stdout = std::io::stdout().lock();
    let tally = conformance::run_files(&o.positional, &mut stdout).map_err(io)?;
    writeln!(stdout, "{} passed, {} failed", tally.passed, tally.failed).and_then(|()| stdout.flush()).map_err(io)?;
    Ok(if tally.failed == 0 { Exit::Success } else { Exit::Refused })
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

fn command_named(name: &str) -> Result<&'static Command, Stop> {
    COMMANDS
        .into_iter()
        .find(|c| c.name == name)
        .ok_or_else(|| Stop::Usage(None, format!("unknown command {}", shown(name))))
}

fn run(args: &[String]) -> Result<Exit, Stop> {
    let Some((first, rest)) = args.split_first() else { return Err(Stop::Usage(None, "no command given".into())) };
    let command = match first.as_str() {
        "--version" | "-V" => return print(&format!("wardgate {}", env!("CARGO_PKG_VERSION"))).map(|()| Exit::Success),
        "--help" | "-h" => return print(&usage_text()).map(|()| Exit::Success),
        "help" => {
            return match rest {
                [] => print(&usage_text()).map(|()| Exit::Success),
                [name] => print(&help_text(command_named(name)?)).map(|()| Exit::Success),
                _ => Err(Stop::Usage(None, "help takes at most one COMMAND".into())),
            }
        }
        name => command_named(name)?,
    };
    let Some(o) = parse_args(command, rest)? else { return print(&help_text(command)).map(|()| Exit::Success) };
    (command.run)(o)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let exit = run(&args).unwrap_or_else(|stop| match stop {
        Stop::Usage(command, problem) => {
            let usage = command.map_or_else(usage_text, |c| {
                format!("usage: wardgate {} {}\n(`wardgate {} --help` for more)", c.name, c.synopsis, c.name)
            });
            let _ = writeln!(std::io::stderr(), "{problem}\n\n{usage}");
            Exit::Invalid
        }
        Stop::Io(problem) => {
            let _ = writeln!(std::io::stderr(), "wardgate: {problem}");
            Exit::Io
        }
        Stop::Invalid => Exit::Invalid,
    });
    exit.into()
}
