//! Splits a condition into tokens, each with its 1-based column (in characters).

use super::ParseError;

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok<'s> {
    /// An identifier (keywords included; the parser decides what they mean).
    Ident(&'s str),
    /// A string literal, escapes resolved.
    Str(String),
    /// An integer literal.
    Int(i64),
    /// `||`
    OrOr,
    /// `&&`
    AndAnd,
    /// `!`
    Bang,
    /// `==`
    EqEq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// The end of the source.
    Eof,
}

impl Tok<'_> {
    /// A short description for "unexpected ..." messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident(name) => format!("'{name}'"),
            Tok::Str(_) => "string".to_string(),
            Tok::Int(_) => "number".to_string(),
            Tok::OrOr => "'||'".to_string(),
            Tok::AndAnd => "'&&'".to_string(),
            Tok::Bang => "'!'".to_string(),
            Tok::EqEq => "'=='".to_string(),
            Tok::NotEq => "'!='".to_string(),
            Tok::Lt => "'<'".to_string(),
            Tok::Le => "'<='".to_string(),
            Tok::Gt => "'>'".to_string(),
            Tok::Ge => "'>='".to_string(),
            Tok::LParen => "'('".to_string(),
            Tok::RParen => "')'".to_string(),
            Tok::LBracket => "'['".to_string(),
            Tok::RBracket => "']'".to_string(),
            Tok::Comma => "','".to_string(),
            Tok::Dot => "'.'".to_string(),
            Tok::Eof => "end of expression".to_string(),
        }
    }
}

/// A token and the column of its first character.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token<'s> {
    /// What the token is.
    pub(crate) tok: Tok<'s>,
    /// 1-based column, in characters.
    pub(crate) column: usize,
}

/// Tokenizes `src`. The last token is always [`Tok::Eof`], at one past the last character.
pub(crate) fn tokenize(src: &str) -> Result<Vec<Token<'_>>, ParseError> {
    let mut lexer = Lexer { src, pos: 0, column: 1 };
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token()?;
        let done = token.tok == Tok::Eof;
        tokens.push(token);
        if done {
            return Ok(tokens);
        }
    }
}

struct Lexer<'s> {
    src: &'s str,
    /// Byte offset of the next character (always a character boundary).
    pos: usize,
    /// Column of the next character.
    column: usize,
}

fn error(column: usize, message: impl Into<String>) -> ParseError {
    ParseError { column, message: message.into() }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_continue(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl<'s> Lexer<'s> {
    fn rest(&self) -> &'s str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        self.column += 1;
        Some(c)
    }

    fn eat(&mut self, expected: char) -> bool {
        if self.peek() == Some(expected) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn next_token(&mut self) -> Result<Token<'s>, ParseError> {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.bump();
        }
        let column = self.column;
        let Some(c) = self.peek() else {
            return Ok(Token { tok: Tok::Eof, column });
        };
        let tok = match c {
            '\'' | '"' => Tok::Str(self.string(c)?),
            '0'..='9' => Tok::Int(self.integer()?),
            '-' if matches!(self.peek_second(), Some('0'..='9')) => Tok::Int(self.integer()?),
            c if is_ident_start(c) => {
                let start = self.pos;
                while self.peek().is_some_and(is_ident_continue) {
                    self.bump();
                }
                Tok::Ident(self.src.get(start..self.pos).unwrap_or(""))
            }
            _ => {
                self.bump();
                match c {
                    '|' if self.eat('|') => Tok::OrOr,
                    '&' if self.eat('&') => Tok::AndAnd,
                    '=' if self.eat('=') => Tok::EqEq,
                    '!' if self.eat('=') => Tok::NotEq,
                    '!' => Tok::Bang,
                    '<' if self.eat('=') => Tok::Le,
                    '<' => Tok::Lt,
                    '>' if self.eat('=') => Tok::Ge,
                    '>' => Tok::Gt,
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    '[' => Tok::LBracket,
                    ']' => Tok::RBracket,
                    ',' => Tok::Comma,
                    '.' => Tok::Dot,
                    '|' => return Err(error(column, "unexpected '|'; use '||'")),
                    '&' => return Err(error(column, "unexpected '&'; use '&&'")),
                    '=' => return Err(error(column, "unexpected '='; use '==' to compare")),
                    '-' => {
                        return Err(error(column, "unexpected '-'; a negative number needs its digits right after '-'"))
                    }
                    other => return Err(error(column, format!("unexpected character {other:?}"))),
                }
            }
        };
        Ok(Token { tok, column })
    }

    /// An integer literal, with its optional leading `-`.
    fn integer(&mut self) -> Result<i64, ParseError> {
        let column = self.column;
        let start = self.pos;
        self.eat('-');
        while matches!(self.peek(), Some('0'..='9')) {
            self.bump();
        }
        let text = self.src.get(start..self.pos).unwrap_or("");
        match self.peek() {
            Some('.') if matches!(self.peek_second(), Some('0'..='9')) => {
                return Err(error(column, "only integer literals are supported"));
            }
            Some(c) if is_ident_continue(c) => {
                return Err(error(column, "invalid number literal"));
            }
            _ => {}
        }
        text.parse::<i64>()
            .map_err(|_| error(column, "integer literal out of range (must fit in a 64-bit signed integer)"))
    }

    /// A string literal opened by `quote`.
    fn string(&mut self, quote: char) -> Result<String, ParseError> {
        let open = self.column;
        self.bump();
        let mut out = String::new();
        loop {
            let escape_column = self.column;
            let Some(c) = self.bump() else {
                return Err(error(open, "unterminated string"));
            };
            if c == quote {
                return Ok(out);
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some(e) = self.bump() else {
                return Err(error(open, "unterminated string"));
            };
            match e {
                '\\' => out.push('\\'),
                '\'' => out.push('\''),
                '"' => out.push('"'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'u' => out.push(self.unicode_escape(escape_column)?),
                other => {
                    return Err(error(escape_column, format!("invalid escape '\\{}' in string", other.escape_debug())))
                }
            }
        }
    }

    /// Four hex digits after `\u`.
    fn hex4(&mut self, escape_column: usize) -> Result<u32, ParseError> {
        let mut value = 0u32;
        for _ in 0..4 {
            match self.peek().and_then(|c| c.to_digit(16)) {
                Some(digit) => {
                    self.bump();
                    value = value * 16 + digit;
                }
                None => return Err(error(escape_column, "'\\u' must be followed by four hex digits")),
            }
        }
        Ok(value)
    }

    /// The rest of a `\uXXXX` escape (after the `u`), including a surrogate pair.
    fn unicode_escape(&mut self, escape_column: usize) -> Result<char, ParseError> {
        let lone = || error(escape_column, "'\\u' escape is a lone surrogate");
        let first = self.hex4(escape_column)?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !(self.rest().starts_with("\\u")) {
                    return Err(lone());
                }
                let second_column = self.column;
                self.bump();
                self.bump();
                let second = self.hex4(second_column)?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(lone());
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(lone()),
            other => other,
        };
        char::from_u32(code).ok_or_else(lone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok<'_>> {
        tokenize(src).map(|t| t.into_iter().map(|t| t.tok).collect()).unwrap_or_default()
    }

    #[test]
    fn operators_and_columns() {
        let tokens = tokenize("a||b && !c != d <= e >= f < g > h == (i)[j,k].l").unwrap();
        let kinds: Vec<_> = tokens.iter().map(|t| t.tok.clone()).collect();
        assert_eq!(
            kinds,
            vec![
                Tok::Ident("a"),
                Tok::OrOr,
                Tok::Ident("b"),
                Tok::AndAnd,
                Tok::Bang,
                Tok::Ident("c"),
                Tok::NotEq,
                Tok::Ident("d"),
                Tok::Le,
                Tok::Ident("e"),
                Tok::Ge,
                Tok::Ident("f"),
                Tok::Lt,
                Tok::Ident("g"),
                Tok::Gt,
                Tok::Ident("h"),
                Tok::EqEq,
                Tok::LParen,
                Tok::Ident("i"),
                Tok::RParen,
                Tok::LBracket,
                Tok::Ident("j"),
                Tok::Comma,
                Tok::Ident("k"),
                Tok::RBracket,
                Tok::Dot,
                Tok::Ident("l"),
                Tok::Eof,
            ]
        );
        assert_eq!(tokens[1].column, 2);
        assert_eq!(tokens[3].column, 6);
        assert_eq!(tokens.last().unwrap().column, 48);
    }

    #[test]
    fn columns_count_characters() {
        let tokens = tokenize("'é€😀' == x").unwrap();
        assert_eq!(tokens[1].column, 7);
        assert_eq!(tokens[2].column, 10);
    }

    #[test]
    fn integers() {
        assert_eq!(toks("-5 42 0"), vec![Tok::Int(-5), Tok::Int(42), Tok::Int(0), Tok::Eof]);
        assert_eq!(
            toks("-9223372036854775808 9223372036854775807"),
            vec![Tok::Int(i64::MIN), Tok::Int(i64::MAX), Tok::Eof]
        );
        let e = tokenize("x == 9223372036854775808").unwrap_err();
        assert_eq!(e.column, 6);
        assert!(e.message.contains("out of range"));
        let e = tokenize("  1.5").unwrap_err();
        assert_eq!(e, ParseError { column: 3, message: "only integer literals are supported".into() });
        assert_eq!(tokenize("12abc").unwrap_err().column, 1);
        assert_eq!(tokenize("a - 5").unwrap_err().column, 3);
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            toks(r#"'a\\b\'c\"d\ne\rf\tg' "it's""#),
            vec![Tok::Str("a\\b'c\"d\ne\rf\tg".into()), Tok::Str("it's".into()), Tok::Eof]
        );
        assert_eq!(toks(r"'\u00e9\u20AC'"), vec![Tok::Str("é€".into()), Tok::Eof]);
        assert_eq!(toks(r"'\ud83d\ude00'"), vec![Tok::Str("😀".into()), Tok::Eof]);
        assert_eq!(toks("'multi\nline'"), vec![Tok::Str("multi\nline".into()), Tok::Eof]);
        assert_eq!(tokenize(r"x == 'ab\qc'").unwrap_err().column, 9);
        assert_eq!(tokenize(r"'\ud83d'").unwrap_err().column, 2);
        assert_eq!(tokenize(r"'\ud83dx'").unwrap_err().column, 2);
        assert_eq!(tokenize(r"'\ud83d\u0041'").unwrap_err().column, 2);
        assert_eq!(tokenize(r"'\ude00'").unwrap_err().column, 2);
        assert_eq!(tokenize(r"'\u12'").unwrap_err().column, 2);
        assert_eq!(tokenize(r"'ab\ud83d\u12'").unwrap_err().column, 10);
        assert_eq!(tokenize("x == 'abc").unwrap_err(), ParseError { column: 6, message: "unterminated string".into() });
        assert_eq!(tokenize("\"abc\\").unwrap_err().column, 1);
        assert_eq!(tokenize("'abc\"").unwrap_err().column, 1);
    }

    #[test]
    fn stray_characters() {
        assert_eq!(tokenize("a = b").unwrap_err().column, 3);
        assert_eq!(tokenize("a & b").unwrap_err().column, 3);
        assert_eq!(tokenize("a | b").unwrap_err().column, 3);
        assert_eq!(tokenize("é").unwrap_err().column, 1);
        assert_eq!(tokenize("a\u{0}").unwrap_err().column, 2);
        assert_eq!(tokenize("a # b").unwrap_err().column, 3);
    }
}
