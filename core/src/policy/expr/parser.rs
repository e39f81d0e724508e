//! Recursive-descent parser: tokens to [`Node`]s.
//!
//! Grammar, loosest first:
//!
//! ```text
//! or      := and ("||" and)*
//! and     := not ("&&" not)*
//! not     := "!" not | cmp
//! cmp     := in (("==" | "!=" | "<" | "<=" | ">" | ">=") in)?      -- does not chain
//! in      := has ("in" has)?                                       -- does not chain
//! has     := primary ("has" (IDENT | STRING))?                     -- primary must be a path
//! primary := INT | STRING | "true" | "false" | "null" | list | path | "(" or ")"
//! list    := "[" (or ("," or)*)? "]"
//! ```

use serde_json::Value;

use super::ast::{CmpOp, Node, Path, Root};
use super::lexer::{tokenize, Tok, Token};
use super::{ParseError, MAX_DEPTH, MAX_SOURCE_LEN};

/// Parses a whole condition.
pub(crate) fn parse(source: &str) -> Result<Node, ParseError> {
    check_length(source)?;
    let tokens = tokenize(source)?;
    let end_column = source.chars().count() + 1;
    let mut parser = Parser { tokens, index: 0, depth: 0, eof: Token { tok: Tok::Eof, column: end_column } };
    let node = parser.or()?;
    let next = parser.peek();
    if next.tok != Tok::Eof {
        return Err(parser.unexpected());
    }
    Ok(node)
}

fn check_length(source: &str) -> Result<(), ParseError> {
    if source.len() <= MAX_SOURCE_LEN {
        return Ok(());
    }
    // Point at the first character that does not fit in the limit.
    let column =
        source.char_indices().position(|(at, c)| at + c.len_utf8() > MAX_SOURCE_LEN).map_or(1, |index| index + 1);
    Err(ParseError { column, message: format!("expression is too long (at most {MAX_SOURCE_LEN} bytes)") })
}

fn error(column: usize, message: impl Into<String>) -> ParseError {
    ParseError { column, message: message.into() }
}

struct Parser<'s> {
    tokens: Vec<Token<'s>>,
    index: usize,
    /// Current nesting of parentheses, lists and `!`.
    depth: usize,
    /// Returned by `peek` past the end (the token list ends with one anyway).
    eof: Token<'s>,
}

impl<'s> Parser<'s> {
    fn peek(&self) -> &Token<'s> {
        self.tokens.get(self.index).unwrap_or(&self.eof)
    }

    fn peek_tok(&self) -> &Tok<'s> {
        &self.peek().tok
    }

    fn bump(&mut self) -> Token<'s> {
        let token = self.peek().clone();
        if self.index < self.tokens.len() {
            self.index += 1;
        }
        token
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek_tok(), Tok::Ident(name) if *name == keyword)
    }

    /// The error for the current token, which is not what the grammar allows here.
    fn unexpected(&self) -> ParseError {
        let token = self.peek();
        let message = match &token.tok {
            Tok::Eof => "unexpected end of expression".to_string(),
            Tok::Ident("and") => "unexpected 'and'; use '&&'".to_string(),
            Tok::Ident("or") => "unexpected 'or'; use '||'".to_string(),
            Tok::Ident("not") => "unexpected 'not'; use '!'".to_string(),
            other => format!("unexpected {}", other.describe()),
        };
        error(token.column, message)
    }

    /// The error for the current token when `what` was expected.
    fn expected(&self, what: &str) -> ParseError {
        let token = self.peek();
        match &token.tok {
            Tok::Eof => error(token.column, format!("unexpected end of expression; expected {what}")),
            other => error(token.column, format!("expected {what}, found {}", other.describe())),
        }
    }

    fn enter(&mut self, column: usize) -> Result<(), ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(error(column, format!("expression is nested too deeply (at most {MAX_DEPTH} levels)")));
        }
        self.depth += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn or(&mut self) -> Result<Node, ParseError> {
        let first = self.and()?;
        if *self.peek_tok() != Tok::OrOr {
            return Ok(first);
        }
        let mut operands = vec![first];
        while *self.peek_tok() == Tok::OrOr {
            self.bump();
            operands.push(self.and()?);
        }
        Ok(Node::Or(operands))
    }

    fn and(&mut self) -> Result<Node, ParseError> {
        let first = self.not()?;
        if *self.peek_tok() != Tok::AndAnd {
            return Ok(first);
        }
        let mut operands = vec![first];
        while *self.peek_tok() == Tok::AndAnd {
            self.bump();
            operands.push(self.not()?);
        }
        Ok(Node::And(operands))
    }

    fn not(&mut self) -> Result<Node, ParseError> {
        if *self.peek_tok() != Tok::Bang {
            return self.cmp();
        }
        let bang = self.bump();
        self.enter(bang.column)?;
        let operand = self.not()?;
        self.leave();
        Ok(Node::Not(Box::new(operand)))
    }

    fn cmp_op(&self) -> Option<CmpOp> {
        match self.peek_tok() {
            Tok::EqEq => Some(CmpOp::Eq),
            Tok::NotEq => Some(CmpOp::Ne),
            Tok::Lt => Some(CmpOp::Lt),
            Tok::Le => Some(CmpOp::Le),
            Tok::Gt => Some(CmpOp::Gt),
            Tok::Ge => Some(CmpOp::Ge),
            _ => None,
        }
    }

    fn cmp(&mut self) -> Result<Node, ParseError> {
        let left = self.membership()?;
        let Some(op) = self.cmp_op() else {
            return Ok(left);
        };
        self.bump();
        let right = self.membership()?;
        if self.cmp_op().is_some() {
            return Err(error(self.peek().column, "comparisons do not chain; add parentheses"));
        }
        Ok(Node::Cmp(op, Box::new(left), Box::new(right)))
    }

    fn membership(&mut self) -> Result<Node, ParseError> {
        let left = self.has()?;
        if !self.at_keyword("in") {
            return Ok(left);
        }
        self.bump();
        let right = self.has()?;
        if self.at_keyword("in") {
            return Err(error(self.peek().column, "'in' does not chain; add parentheses"));
        }
        Ok(Node::In(Box::new(left), Box::new(right)))
    }

    fn has(&mut self) -> Result<Node, ParseError> {
        let left = self.primary()?;
        if !self.at_keyword("has") {
            return Ok(left);
        }
        let has_column = self.peek().column;
        let Node::Path(path) = left else {
            return Err(error(has_column, "the left side of 'has' must be a path"));
        };
        self.bump();
        let name = match self.peek_tok() {
            Tok::Ident(name) => name.to_string(),
            Tok::Str(name) => name.clone(),
            _ => return Err(self.expected("an attribute name after 'has'")),
        };
        self.bump();
        if self.at_keyword("has") {
            return Err(error(self.peek().column, "the left side of 'has' must be a path"));
        }
        Ok(Node::Has(path, name))
    }

    fn primary(&mut self) -> Result<Node, ParseError> {
        let token = self.peek().clone();
        match token.tok {
            Tok::Int(n) => {
                self.bump();
                Ok(Node::Lit(Value::from(n)))
            }
            Tok::Str(s) => {
                self.bump();
                Ok(Node::Lit(Value::String(s)))
            }
            Tok::Ident("true") => {
                self.bump();
                Ok(Node::Lit(Value::Bool(true)))
            }
            Tok::Ident("false") => {
                self.bump();
                Ok(Node::Lit(Value::Bool(false)))
            }
            Tok::Ident("null") => {
                self.bump();
                Ok(Node::Lit(Value::Null))
            }
            Tok::Ident("in" | "has" | "and" | "or" | "not") => Err(self.unexpected()),
            Tok::Ident(root) => {
                self.bump();
                self.path(root, token.column).map(Node::Path)
            }
            Tok::LParen => {
                self.bump();
                self.enter(token.column)?;
                let inner = self.or()?;
                if *self.peek_tok() != Tok::RParen {
                    return Err(self.expected("')'"));
                }
                self.bump();
                self.leave();
                Ok(inner)
            }
            Tok::LBracket => {
                self.bump();
                self.enter(token.column)?;
                let list = self.list_rest()?;
                self.leave();
                Ok(list)
            }
            _ => Err(self.unexpected()),
        }
    }

    /// The rest of a list after its `[`.
    fn list_rest(&mut self) -> Result<Node, ParseError> {
        let mut elements = Vec::new();
        if *self.peek_tok() == Tok::RBracket {
            self.bump();
            return Ok(Node::Lit(Value::Array(Vec::new())));
        }
        loop {
            elements.push(self.or()?);
            match self.peek_tok() {
                Tok::Comma => {
                    self.bump();
                    if *self.peek_tok() == Tok::RBracket {
                        return Err(error(self.peek().column, "unexpected ']'; a list cannot end with ','"));
                    }
                }
                Tok::RBracket => {
                    self.bump();
                    break;
                }
                _ => return Err(self.expected("',' or ']'")),
            }
        }
        if elements.iter().all(|e| matches!(e, Node::Lit(_))) {
            let values = elements
                .into_iter()
                .filter_map(|e| match e {
                    Node::Lit(v) => Some(v),
                    _ => None,
                })
                .collect();
            Ok(Node::Lit(Value::Array(values)))
        } else {
            Ok(Node::List(elements))
        }
    }

    /// An attribute name after a `.` (any identifier, keywords included).
    fn segment(&mut self) -> Result<(&'s str, usize), ParseError> {
        let token = self.peek().clone();
        match token.tok {
            Tok::Ident(name) => {
                self.bump();
                Ok((name, token.column))
            }
            _ => Err(self.expected("an attribute name after '.'")),
        }
    }

    /// Segments `.a.b...` after a root that has attributes.
    fn segments(&mut self) -> Result<Vec<String>, ParseError> {
        let mut segments = Vec::new();
        while *self.peek_tok() == Tok::Dot {
            self.bump();
            let (name, _) = self.segment()?;
            segments.push(name.to_string());
        }
        Ok(segments)
    }

    /// Rejects `.x` after a path that has no attributes.
    fn no_segments(&mut self, what: &str) -> Result<(), ParseError> {
        if *self.peek_tok() != Tok::Dot {
            return Ok(());
        }
        self.bump();
        let (_, column) = self.segment()?;
        Err(error(column, format!("{what} has no attributes")))
    }

    /// A path whose root identifier (at `column`) has just been consumed.
    fn path(&mut self, root: &'s str, column: usize) -> Result<Path, ParseError> {
        match root {
            "resource" => Ok(Path::new(Root::Resource, self.segments()?)),
            "context" => Ok(Path::new(Root::Context, self.segments()?)),
            "action" => {
                self.no_segments("action")?;
                Ok(Path::new(Root::Action, Vec::new()))
            }
            "principal" => {
                if *self.peek_tok() != Tok::Dot {
                    return Err(error(
                        column,
                        "'principal' is not a value by itself; use principal.id, \
                         principal.roles, principal.tenant or principal.claims",
                    ));
                }
                self.bump();
                let (attribute, attribute_column) = self.segment()?;
                let root = match attribute {
                    "id" => Root::PrincipalId,
                    "roles" => Root::PrincipalRoles,
                    "tenant" => Root::PrincipalTenant,
                    "claims" => return Ok(Path::new(Root::Claims, self.segments()?)),
                    other => {
                        return Err(error(
                            attribute_column,
                            format!(
                                "unknown principal attribute '{other}'; expected id, roles, \
                                 tenant or claims"
                            ),
                        ))
                    }
                };
                self.no_segments(root.as_str())?;
                Ok(Path::new(root, Vec::new()))
            }
            other => Err(error(
                column,
                format!("unknown name '{other}'; paths start with principal, resource, context or action"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(src: &str) -> Node {
        match parse(src) {
            Ok(node) => node,
            Err(e) => panic!("{src:?} did not parse: {e}"),
        }
    }

    fn err(src: &str) -> ParseError {
        match parse(src) {
            Ok(node) => panic!("{src:?} parsed as {node:?}"),
            Err(e) => e,
        }
    }

    fn path(root: Root, segments: &[&str]) -> Node {
        Node::Path(Path::new(root, segments.iter().map(|s| (*s).to_string()).collect()))
    }

    fn lit(v: Value) -> Node {
        Node::Lit(v)
    }

    fn cmp(op: CmpOp, a: Node, b: Node) -> Node {
        Node::Cmp(op, Box::new(a), Box::new(b))
    }

    #[test]
    fn paths() {
        assert_eq!(p("principal.id"), path(Root::PrincipalId, &[]));
        assert_eq!(p("principal.roles"), path(Root::PrincipalRoles, &[]));
        assert_eq!(p("principal.tenant"), path(Root::PrincipalTenant, &[]));
        assert_eq!(p("principal.claims"), path(Root::Claims, &[]));
        assert_eq!(p("principal.claims.a.b"), path(Root::Claims, &["a", "b"]));
        assert_eq!(p("resource"), path(Root::Resource, &[]));
        assert_eq!(p("resource.type"), path(Root::Resource, &["type"]));
        assert_eq!(p("resource.in.has.true"), path(Root::Resource, &["in", "has", "true"]));
        assert_eq!(p("context.ip"), path(Root::Context, &["ip"]));
        assert_eq!(p("action"), path(Root::Action, &[]));
        if let Node::Path(path) = p("principal.claims.x.y") {
            assert_eq!(path.display, "principal.claims.x.y");
        }
    }

    #[test]
    fn path_errors() {
        assert_eq!(err("user.id").column, 1);
        assert!(err("user.id").message.contains("unknown name 'user'"));
        assert_eq!(err("principal").column, 1);
        assert_eq!(err("action == principal").column, 11);
        assert_eq!(err("principal.foo").column, 11);
        assert!(err("principal.foo").message.contains("principal attribute 'foo'"));
        assert_eq!(err("principal.id.x").column, 14);
        assert_eq!(err("principal.roles.x").column, 17);
        assert_eq!(err("principal.tenant.x").column, 18);
        assert_eq!(err("action.x").column, 8);
        assert_eq!(err("resource.").column, 10);
        assert_eq!(err("resource.'x'").column, 10);
        assert_eq!(err("resource.5").column, 10);
        assert_eq!(err("principal.'id'").column, 11);
    }

    #[test]
    fn literals() {
        assert_eq!(p("'a'"), lit(json!("a")));
        assert_eq!(p("\"a\""), lit(json!("a")));
        assert_eq!(p("-5"), lit(json!(-5)));
        assert_eq!(p("true"), lit(json!(true)));
        assert_eq!(p("false"), lit(json!(false)));
        assert_eq!(p("null"), lit(json!(null)));
        assert_eq!(p("[]"), lit(json!([])));
        assert_eq!(p("[1, 'a', [true, null]]"), lit(json!([1, "a", [true, null]])));
        assert_eq!(p("[1, action]"), Node::List(vec![lit(json!(1)), path(Root::Action, &[])]));
        assert_eq!(err("[1,]").column, 4);
        assert_eq!(err("[1 2]").column, 4);
        assert_eq!(err("[1,").column, 4);
        assert_eq!(err("[,1]").column, 2);
    }

    #[test]
    fn precedence() {
        // || looser than &&
        assert_eq!(
            p("true || false && false"),
            Node::Or(vec![lit(json!(true)), Node::And(vec![lit(json!(false)), lit(json!(false))])])
        );
        assert_eq!(
            p("true && false || false"),
            Node::Or(vec![Node::And(vec![lit(json!(true)), lit(json!(false))]), lit(json!(false))])
        );
        // && looser than !
        assert_eq!(p("!true && false"), Node::And(vec![Node::Not(Box::new(lit(json!(true)))), lit(json!(false))]));
        // ! looser than comparison
        assert_eq!(p("!1 == 2"), Node::Not(Box::new(cmp(CmpOp::Eq, lit(json!(1)), lit(json!(2))))));
        assert_eq!(p("!!true"), Node::Not(Box::new(Node::Not(Box::new(lit(json!(true)))))));
        // comparison looser than in
        assert_eq!(
            p("'a' in principal.roles == true"),
            cmp(
                CmpOp::Eq,
                Node::In(Box::new(lit(json!("a"))), Box::new(path(Root::PrincipalRoles, &[]))),
                lit(json!(true))
            )
        );
        assert_eq!(
            p("true == 'a' in principal.roles"),
            cmp(
                CmpOp::Eq,
                lit(json!(true)),
                Node::In(Box::new(lit(json!("a"))), Box::new(path(Root::PrincipalRoles, &[])))
            )
        );
        // in looser than has
        assert_eq!(
            p("resource has x in [true]"),
            Node::In(Box::new(Node::Has(Path::new(Root::Resource, vec![]), "x".into())), Box::new(lit(json!([true]))))
        );
        // has binds tighter than comparison
        assert_eq!(
            p("resource has x == true"),
            cmp(CmpOp::Eq, Node::Has(Path::new(Root::Resource, vec![]), "x".into()), lit(json!(true)))
        );
        // parentheses
        assert_eq!(
            p("(true || false) && false"),
            Node::And(vec![Node::Or(vec![lit(json!(true)), lit(json!(false))]), lit(json!(false))])
        );
        // left-assoc chains flatten
        assert_eq!(p("true && true && false"), Node::And(vec![lit(json!(true)), lit(json!(true)), lit(json!(false))]));
    }

    #[test]
    fn every_comparison_operator() {
        for (src, op) in [
            ("1 == 2", CmpOp::Eq),
            ("1 != 2", CmpOp::Ne),
            ("1 < 2", CmpOp::Lt),
            ("1 <= 2", CmpOp::Le),
            ("1 > 2", CmpOp::Gt),
            ("1 >= 2", CmpOp::Ge),
        ] {
            assert_eq!(p(src), cmp(op, lit(json!(1)), lit(json!(2))));
        }
    }

    #[test]
    fn has_forms() {
        assert_eq!(p("resource has owner_id"), Node::Has(Path::new(Root::Resource, vec![]), "owner_id".into()));
        assert_eq!(
            p("principal.claims has 'https://x/y'"),
            Node::Has(Path::new(Root::Claims, vec![]), "https://x/y".into())
        );
        assert_eq!(p("resource.a has in"), Node::Has(Path::new(Root::Resource, vec!["a".into()]), "in".into()));
        assert_eq!(p("(resource) has x"), Node::Has(Path::new(Root::Resource, vec![]), "x".into()));
        assert_eq!(err("5 has x").column, 3);
        assert_eq!(err("resource has 5").column, 14);
        assert_eq!(err("resource has").column, 13);
        assert_eq!(err("resource has a has b").column, 16);
    }

    #[test]
    fn non_chaining() {
        let e = err("1 == 1 == true");
        assert_eq!(e, ParseError { column: 8, message: "comparisons do not chain; add parentheses".into() });
        assert_eq!(err("1 < 2 < 3").column, 7);
        assert_eq!(err("1 in [1] in [[1]]").column, 10);
        assert!(parse("(1 == 1) == true").is_ok());
        assert!(parse("(1 in [1]) in [true]").is_ok());
    }

    #[test]
    fn general_errors() {
        let e = err("principal.id == ");
        assert_eq!(e, ParseError { column: 17, message: "unexpected end of expression".into() });
        assert_eq!(err("").column, 1);
        assert_eq!(err("   ").column, 4);
        assert_eq!(err("(true").column, 6);
        assert_eq!(err("true)").column, 5);
        assert_eq!(err("true true").column, 6);
        assert_eq!(err("true and false").column, 6);
        assert!(err("true and false").message.contains("&&"));
        assert_eq!(err("in").column, 1);
        assert_eq!(err("1 == !true").column, 6);
        assert_eq!(err("&& true").column, 1);
        assert_eq!(err("principal.id == 'a' ||").column, 23);
    }

    #[test]
    fn depth_limit() {
        let ok = format!("{}true{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let deep = format!("{}true{}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
        let e = err(&deep);
        assert_eq!(e.column, MAX_DEPTH + 1);
        assert!(e.message.contains("nested too deeply"));
        assert!(parse(&format!("{}true", "!".repeat(MAX_DEPTH))).is_ok());
        assert_eq!(err(&format!("{}true", "!".repeat(MAX_DEPTH + 1))).column, MAX_DEPTH + 1);
        assert!(parse(&format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH))).is_ok());
        assert_eq!(err(&format!("{}1{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1))).column, MAX_DEPTH + 1);
        // mixed: 20 parentheses and 13 negations
        let mixed = format!("{}{}true{}", "(".repeat(20), "!".repeat(13), ")".repeat(20));
        assert_eq!(err(&mixed).column, 33);
        // unclosed nesting far beyond the limit still reports the limit, not a crash
        assert_eq!(err(&"(".repeat(4000)).column, MAX_DEPTH + 1);
    }

    #[test]
    fn length_limit() {
        let long = format!("true || {}", "true || ".repeat(600));
        let e = err(&long);
        assert_eq!(e.column, MAX_SOURCE_LEN + 1);
        assert!(e.message.contains("too long"));
        let exact = format!("'{}'", "a".repeat(MAX_SOURCE_LEN - 2));
        assert!(parse(&exact).is_ok());
        // multi-byte characters: the column counts characters
        let wide = format!("'{}'", "é".repeat(3000));
        assert_eq!(err(&wide).column, 2048 + 1);
        // a long chain within the limit parses (flattened, no deep recursion)
        let chain = format!("true{}", " || true".repeat(500));
        assert!(parse(&chain).is_ok());
    }
}
