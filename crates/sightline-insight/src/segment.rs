//! The segment language: one typed filter expression (AND / OR / NOT over session facts and behaviour) that
//! every report accepts as its `segment` parameter (docs/segments.md). This module parses the text into a
//! [`Segment`] and checks it; the stores compile the tree to their SQL with every value bound as a parameter.
//!
//! ```text
//! device = "mobile" AND (channel = "paid_search" OR NOT visited("/cart")) AND clicked("#buy") >= 3
//! ```

use std::fmt;

use crate::detect::Kind;

/// Longest expression accepted, in bytes.
pub const MAX_SEGMENT_LEN: usize = 2_000;
/// Most conditions in one expression (each compiles to a predicate, some to a subquery).
pub const MAX_SEGMENT_CONDITIONS: usize = 32;
/// Deepest nesting of parentheses and NOT.
pub const MAX_SEGMENT_DEPTH: usize = 12;
/// Longest string literal, in bytes.
pub const MAX_SEGMENT_VALUE_LEN: usize = 512;
/// Most values in one `in (…)` list.
pub const MAX_SEGMENT_IN_VALUES: usize = 50;

/// A parsed segment expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    And(Vec<Segment>),
    Or(Vec<Segment>),
    Not(Box<Segment>),
    /// A text fact of the session, equal (or not) to one of the values.
    Text {
        field: TextField,
        negated: bool,
        values: Vec<String>,
    },
    /// A numeric fact of the session compared with a value (durations in ms).
    Number {
        field: NumberField,
        op: Cmp,
        value: f64,
    },
    /// A yes/no fact of the session.
    Flag {
        field: FlagField,
        value: bool,
    },
    /// A trait the site gave the session's user with `identify` (`user.plan = "pro"`).
    Trait {
        name: String,
        negated: bool,
        values: Vec<String>,
    },
    /// What the session did, a number of times (`clicked("#buy") >= 3`; alone: at least once).
    Behaviour {
        action: Action,
        op: Cmp,
        count: u32,
    },
}

/// Text facts of a session (columns of the sessions table, or derived from one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Device,
    Browser,
    Os,
    Channel,
    UtmSource,
    UtmMedium,
    UtmCampaign,
    UtmTerm,
    UtmContent,
    /// The referrer's host.
    Referrer,
    EntryPage,
    ExitPage,
    UserId,
    /// `new` or `returning`.
    Visitor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberField {
    Revenue,
    /// ms
    Duration,
    /// ms, never more than the duration
    ActiveTime,
    Pages,
    Clicks,
    Errors,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagField {
    Converted,
    HasReplay,
    HadError,
}

/// A behaviour counted per session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Pageviews of a path or page group.
    Visited(String),
    /// Clicks on an element (selector).
    Clicked(String),
    /// Custom events of a name.
    Did(String),
    /// Detections of a kind, optionally on one page group.
    Frustration { kind: Kind, page: Option<String> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    pub fn sql(self) -> &'static str {
        match self {
            Cmp::Eq => "=",
            Cmp::Ne => "<>",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }

    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
        }
    }
}

impl TextField {
    const NAMES: [(&str, TextField); 14] = [
        ("device", TextField::Device),
        ("browser", TextField::Browser),
        ("os", TextField::Os),
        ("channel", TextField::Channel),
        ("utm_source", TextField::UtmSource),
        ("utm_medium", TextField::UtmMedium),
        ("utm_campaign", TextField::UtmCampaign),
        ("utm_term", TextField::UtmTerm),
        ("utm_content", TextField::UtmContent),
        ("referrer", TextField::Referrer),
        ("entry_page", TextField::EntryPage),
        ("exit_page", TextField::ExitPage),
        ("user_id", TextField::UserId),
        ("visitor", TextField::Visitor),
    ];
}

impl NumberField {
    const NAMES: [(&str, NumberField); 6] = [
        ("revenue", NumberField::Revenue),
        ("duration", NumberField::Duration),
        ("active_time", NumberField::ActiveTime),
        ("pages", NumberField::Pages),
        ("clicks", NumberField::Clicks),
        ("errors", NumberField::Errors),
    ];

    fn is_duration(self) -> bool {
        matches!(self, NumberField::Duration | NumberField::ActiveTime)
    }
}

impl FlagField {
    const NAMES: [(&str, FlagField); 3] = [
        ("converted", FlagField::Converted),
        ("has_replay", FlagField::HasReplay),
        ("had_error", FlagField::HadError),
    ];
}

const ACTIONS: [&str; 4] = ["visited", "clicked", "did", "frustration"];

/// Why an expression was refused: what was wrong, where (1-based column, in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentError {
    pub column: usize,
    pub message: String,
}

impl fmt::Display for SegmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "segment at column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for SegmentError {}

impl Segment {
    /// Parses and checks an expression (the whole text; keywords and names are case-insensitive).
    pub fn parse(text: &str) -> Result<Segment, SegmentError> {
        if text.len() > MAX_SEGMENT_LEN {
            return Err(SegmentError {
                column: 1,
                message: format!("the expression is longer than {MAX_SEGMENT_LEN} bytes"),
            });
        }
        let tokens = tokenize(text)?;
        let mut parser = Parser {
            tokens,
            at: 0,
            conditions: 0,
            end_column: text.chars().count() + 1,
        };
        let segment = parser.or(0)?;
        match parser.peek() {
            None => Ok(segment),
            Some(t) => Err(t.error(format!(
                "expected AND, OR or the end of the expression, found {}",
                t.kind
            ))),
        }
    }

    /// The conditions of the tree, in order (for stores that need to see each one, e.g. to prepare subqueries).
    pub fn conditions(&self) -> Vec<&Segment> {
        match self {
            Segment::And(parts) | Segment::Or(parts) => {
                parts.iter().flat_map(Segment::conditions).collect()
            }
            Segment::Not(inner) => inner.conditions(),
            leaf => vec![leaf],
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum TokenKind {
    Word(String),
    Str(String),
    Number(f64, Option<String>),
    Op(Cmp),
    LParen,
    RParen,
    Comma,
    Dot,
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenKind::Word(w) => write!(f, "`{w}`"),
            TokenKind::Str(s) => write!(f, "the string {s:?}"),
            TokenKind::Number(n, unit) => {
                write!(f, "the number {n}{}", unit.as_deref().unwrap_or(""))
            }
            TokenKind::Op(op) => write!(f, "`{}`", op_text(*op)),
            TokenKind::LParen => f.write_str("`(`"),
            TokenKind::RParen => f.write_str("`)`"),
            TokenKind::Comma => f.write_str("`,`"),
            TokenKind::Dot => f.write_str("`.`"),
        }
    }
}

fn op_text(op: Cmp) -> &'static str {
    match op {
        Cmp::Eq => "=",
        Cmp::Ne => "!=",
        Cmp::Lt => "<",
        Cmp::Le => "<=",
        Cmp::Gt => ">",
        Cmp::Ge => ">=",
    }
}

#[derive(Debug, Clone)]
struct Token {
    kind: TokenKind,
    column: usize,
}

impl Token {
    fn error(&self, message: String) -> SegmentError {
        SegmentError {
            column: self.column,
            message,
        }
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(&self.kind, TokenKind::Word(w) if w.eq_ignore_ascii_case(word))
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, SegmentError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        let error = |message: String| SegmentError { column, message };
        let mut push = |kind: TokenKind| tokens.push(Token { kind, column });
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | ',' | '.' => {
                push(match c {
                    '(' => TokenKind::LParen,
                    ')' => TokenKind::RParen,
                    ',' => TokenKind::Comma,
                    _ => TokenKind::Dot,
                });
                i += 1;
            }
            '=' | '!' | '<' | '>' => {
                let next = chars.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    ('=', Some('=')) => (Cmp::Eq, 2),
                    ('=', _) => (Cmp::Eq, 1),
                    ('!', Some('=')) => (Cmp::Ne, 2),
                    ('<', Some('>')) => (Cmp::Ne, 2),
                    ('<', Some('=')) => (Cmp::Le, 2),
                    ('<', _) => (Cmp::Lt, 1),
                    ('>', Some('=')) => (Cmp::Ge, 2),
                    ('>', _) => (Cmp::Gt, 1),
                    _ => {
                        return Err(error(
                            "`!` must be followed by `=` (use NOT to negate)".into(),
                        ));
                    }
                };
                push(TokenKind::Op(op));
                i += len;
            }
            '"' | '\'' => {
                let quote = c;
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(error(format!("the string is not closed with {quote}")));
                        }
                        Some('\\') if chars.get(i + 1).is_some() => {
                            value.push(chars[i + 1]);
                            i += 2;
                        }
                        Some(&q) if q == quote => {
                            i += 1;
                            break;
                        }
                        Some(&other) => {
                            value.push(other);
                            i += 1;
                        }
                    }
                }
                if value.len() > MAX_SEGMENT_VALUE_LEN {
                    return Err(error(format!(
                        "the string is longer than {MAX_SEGMENT_VALUE_LEN} bytes"
                    )));
                }
                push(TokenKind::Str(value));
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let start = i;
                i += 1;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_digit() || *c == '.')
                {
                    i += 1;
                }
                let digits: String = chars[start..i].iter().collect();
                let unit_start = i;
                while chars.get(i).is_some_and(char::is_ascii_alphabetic) {
                    i += 1;
                }
                let unit: String = chars[unit_start..i].iter().collect();
                let value: f64 = digits
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite())
                    .ok_or_else(|| error(format!("{digits:?} is not a number")))?;
                push(TokenKind::Number(value, (!unit.is_empty()).then_some(unit)));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    i += 1;
                }
                push(TokenKind::Word(chars[start..i].iter().collect()));
            }
            other => return Err(error(format!("unexpected character {other:?}"))),
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    conditions: usize,
    end_column: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self, expected: &str) -> Result<Token, SegmentError> {
        match self.tokens.get(self.at) {
            Some(t) => {
                self.at += 1;
                Ok(t.clone())
            }
            None => Err(SegmentError {
                column: self.end_column,
                message: format!("expected {expected}, found the end of the expression"),
            }),
        }
    }

    fn eat_word(&mut self, word: &str) -> bool {
        let found = self.peek().is_some_and(|t| t.is_word(word));
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, kind: TokenKind, expected: &str) -> Result<(), SegmentError> {
        let t = self.next(expected)?;
        if t.kind == kind {
            Ok(())
        } else {
            Err(t.error(format!("expected {expected}, found {}", t.kind)))
        }
    }

    fn or(&mut self, depth: usize) -> Result<Segment, SegmentError> {
        let mut parts = vec![self.and(depth)?];
        while self.eat_word("or") {
            parts.push(self.and(depth)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Segment::Or(parts)
        })
    }

    fn and(&mut self, depth: usize) -> Result<Segment, SegmentError> {
        let mut parts = vec![self.unary(depth)?];
        while self.eat_word("and") {
            parts.push(self.unary(depth)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Segment::And(parts)
        })
    }

    fn unary(&mut self, depth: usize) -> Result<Segment, SegmentError> {
        if depth >= MAX_SEGMENT_DEPTH {
            let column = self.peek().map_or(self.end_column, |t| t.column);
            return Err(SegmentError {
                column,
                message: format!("nested deeper than {MAX_SEGMENT_DEPTH} levels"),
            });
        }
        if self.eat_word("not") {
            return Ok(Segment::Not(Box::new(self.unary(depth + 1)?)));
        }
        if self.peek().is_some_and(|t| t.kind == TokenKind::LParen) {
            self.at += 1;
            let inner = self.or(depth + 1)?;
            self.expect(TokenKind::RParen, "`)`")?;
            return Ok(inner);
        }
        self.condition()
    }

    fn condition(&mut self) -> Result<Segment, SegmentError> {
        let t = self.next("a condition (e.g. device = \"mobile\")")?;
        let TokenKind::Word(name) = &t.kind else {
            return Err(t.error(format!(
                "expected a field, a behaviour such as clicked(\"#buy\"), NOT or `(`, found {}",
                t.kind
            )));
        };
        self.conditions += 1;
        if self.conditions > MAX_SEGMENT_CONDITIONS {
            return Err(t.error(format!("more than {MAX_SEGMENT_CONDITIONS} conditions")));
        }
        let name = name.to_ascii_lowercase();
        if let Some((_, field)) = TextField::NAMES.iter().find(|(n, _)| *n == name) {
            let (negated, values) = self.text_values(&name)?;
            if *field == TextField::Visitor
                && let Some(bad) = values.iter().find(|v| *v != "new" && *v != "returning")
            {
                return Err(t.error(format!(
                    "`visitor` is \"new\" or \"returning\", not {bad:?}"
                )));
            }
            return Ok(Segment::Text {
                field: *field,
                negated,
                values,
            });
        }
        if let Some((_, field)) = NumberField::NAMES.iter().find(|(n, _)| *n == name) {
            let op = self.op(&name)?;
            let value = self.number(&name, field.is_duration())?;
            return Ok(Segment::Number {
                field: *field,
                op,
                value,
            });
        }
        if let Some((_, field)) = FlagField::NAMES.iter().find(|(n, _)| *n == name) {
            let value = match self.peek().map(|t| t.kind.clone()) {
                Some(TokenKind::Op(op @ (Cmp::Eq | Cmp::Ne))) => {
                    self.at += 1;
                    let v = self.next("true or false")?;
                    let value = if v.is_word("true") {
                        true
                    } else if v.is_word("false") {
                        false
                    } else {
                        return Err(v.error(format!("expected true or false, found {}", v.kind)));
                    };
                    value == (op == Cmp::Eq)
                }
                _ => true,
            };
            return Ok(Segment::Flag {
                field: *field,
                value,
            });
        }
        if name == "user" {
            self.expect(TokenKind::Dot, "`.` and a trait name (user.plan)")?;
            let trait_token = self.next("a trait name")?;
            let TokenKind::Word(trait_name) = trait_token.kind else {
                return Err(trait_token.error(format!(
                    "expected a trait name (letters, digits, _), found {}",
                    trait_token.kind
                )));
            };
            let (negated, values) = self.text_values("a trait")?;
            return Ok(Segment::Trait {
                name: trait_name,
                negated,
                values,
            });
        }
        if ACTIONS.contains(&name.as_str()) {
            let action = self.action(&t, &name)?;
            let (op, count) = match self.peek().map(|t| t.kind.clone()) {
                Some(TokenKind::Op(op)) => {
                    self.at += 1;
                    let n = self.next("a count")?;
                    match n.kind.clone() {
                        TokenKind::Number(v, None)
                            if v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX) =>
                        {
                            (op, v as u32)
                        }
                        other => {
                            return Err(n.error(format!(
                                "expected a whole number of times, found {other}"
                            )));
                        }
                    }
                }
                _ => (Cmp::Ge, 1),
            };
            return Ok(Segment::Behaviour { action, op, count });
        }
        let mut known: Vec<&str> = TextField::NAMES.iter().map(|(n, _)| *n).collect();
        known.extend(NumberField::NAMES.iter().map(|(n, _)| *n));
        known.extend(FlagField::NAMES.iter().map(|(n, _)| *n));
        known.push("user.<trait>");
        known.extend(ACTIONS.iter().map(|a| match *a {
            "frustration" => "frustration(kind[, page])",
            "visited" => "visited(page)",
            "clicked" => "clicked(selector)",
            _ => "did(event)",
        }));
        Err(t.error(format!(
            "unknown field `{name}` (known: {})",
            known.join(", ")
        )))
    }

    /// `= "v"`, `!= "v"`, `in ("a", "b")` or `not in (…)`.
    fn text_values(&mut self, field: &str) -> Result<(bool, Vec<String>), SegmentError> {
        let t = self.next(&format!("`=`, `!=` or `in` after {field}"))?;
        let negated = match &t.kind {
            TokenKind::Op(Cmp::Eq) => false,
            TokenKind::Op(Cmp::Ne) => true,
            TokenKind::Word(_) if t.is_word("in") => return Ok((false, self.list()?)),
            TokenKind::Word(_) if t.is_word("not") => {
                let inn = self.next("`in`")?;
                if !inn.is_word("in") {
                    return Err(inn.error(format!("expected `in` after NOT, found {}", inn.kind)));
                }
                return Ok((true, self.list()?));
            }
            other => {
                return Err(t.error(format!(
                    "expected `=`, `!=` or `in` after {field}, found {other}"
                )));
            }
        };
        Ok((negated, vec![self.string()?]))
    }

    fn list(&mut self) -> Result<Vec<String>, SegmentError> {
        self.expect(TokenKind::LParen, "`(` and a list of strings")?;
        let mut values = vec![self.string()?];
        loop {
            let t = self.next("`,` or `)`")?;
            match t.kind.clone() {
                TokenKind::Comma => values.push(self.string()?),
                TokenKind::RParen => break,
                other => return Err(t.error(format!("expected `,` or `)`, found {other}"))),
            }
            if values.len() > MAX_SEGMENT_IN_VALUES {
                return Err(t.error(format!(
                    "more than {MAX_SEGMENT_IN_VALUES} values in one list"
                )));
            }
        }
        Ok(values)
    }

    fn string(&mut self) -> Result<String, SegmentError> {
        let t = self.next("a string in double quotes")?;
        match t.kind.clone() {
            TokenKind::Str(s) => Ok(s),
            other => Err(t.error(format!("expected a string in double quotes, found {other}"))),
        }
    }

    fn op(&mut self, field: &str) -> Result<Cmp, SegmentError> {
        let t = self.next(&format!("a comparison after {field}"))?;
        match t.kind.clone() {
            TokenKind::Op(op) => Ok(op),
            other => Err(t.error(format!(
                "expected a comparison (=, !=, <, <=, >, >=) after {field}, found {other}"
            ))),
        }
    }

    fn number(&mut self, field: &str, duration: bool) -> Result<f64, SegmentError> {
        let t = self.next("a number")?;
        let TokenKind::Number(value, unit) = &t.kind else {
            return Err(t.error(format!("expected a number for {field}, found {}", t.kind)));
        };
        let scale = match (unit.as_deref(), duration) {
            (None, _) => 1.0,
            (Some("ms"), true) => 1.0,
            (Some("s"), true) => 1_000.0,
            (Some("m" | "min"), true) => 60_000.0,
            (Some("h"), true) => 3_600_000.0,
            (Some(unit), true) => {
                return Err(t.error(format!("unknown unit `{unit}` (use ms, s, m or h)")));
            }
            (Some(unit), false) => {
                return Err(t.error(format!("{field} takes a plain number, not `{unit}`")));
            }
        };
        Ok(value * scale)
    }

    fn action(&mut self, t: &Token, name: &str) -> Result<Action, SegmentError> {
        self.expect(TokenKind::LParen, &format!("`(` after {name}"))?;
        let value = self.string()?;
        let action = match name {
            "visited" => Action::Visited(value),
            "clicked" => Action::Clicked(value),
            "did" => Action::Did(value),
            _ => {
                let kind = Kind::parse(&value).ok_or_else(|| {
                    t.error(format!(
                        "unknown frustration kind {value:?} (known: {})",
                        Kind::ALL.map(Kind::as_str).join(", ")
                    ))
                })?;
                let page = if self.peek().is_some_and(|t| t.kind == TokenKind::Comma) {
                    self.at += 1;
                    Some(self.string()?)
                } else {
                    None
                };
                Action::Frustration { kind, page }
            }
        };
        self.expect(TokenKind::RParen, "`)`")?;
        Ok(action)
    }
}

#[cfg(test)]
mod tests;
