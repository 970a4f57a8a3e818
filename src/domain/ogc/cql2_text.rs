//! cql2-text: a recursive-descent parser for the subset of `cql2` (see there, also for why
//! not the `cql2` crate), bounded in length, nesting depth and number of parts.

use super::cql2::{
    bbox_polygon, dwithin_distance, typed, CompareOp, Context, Filter, FilterError, Geometry, Raw,
    SpatialOp, Value, MAX_DEPTH, MAX_FILTER_BYTES, MAX_NODES,
};
use super::queryables::{Kind, Queryable};

/// Parses a cql2-text filter.
pub fn parse_text(text: &str, context: Context) -> Result<Filter, FilterError> {
    if text.len() > MAX_FILTER_BYTES {
        return Err(FilterError {
            position: "character 1".into(),
            detail: format!("the filter is longer than {MAX_FILTER_BYTES} bytes"),
        });
    }
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
        nodes: 0,
        context,
        text,
    };
    let filter = parser.or()?;
    if parser.at < parser.tokens.len() {
        return Err(parser.error("expected AND, OR or the end of the filter"));
    }
    Ok(filter)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Str(String),
    Num(f64),
    Sym(&'static str),
}

/// Tokens with their byte offsets.
fn tokenize(text: &str) -> Result<Vec<(Token, usize)>, FilterError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    let fail = |at: usize, detail: &str| FilterError {
        position: position(text, at),
        detail: detail.into(),
    };
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'(' | b')' | b',' | b'=' => {
                tokens.push((
                    Token::Sym(match c {
                        b'(' => "(",
                        b')' => ")",
                        b',' => ",",
                        _ => "=",
                    }),
                    start,
                ));
                i += 1;
            }
            b'<' | b'>' => {
                let two = bytes.get(i + 1).copied();
                let sym = match (c, two) {
                    (b'<', Some(b'>')) => "<>",
                    (b'<', Some(b'=')) => "<=",
                    (b'>', Some(b'=')) => ">=",
                    (b'<', _) => "<",
                    _ => ">",
                };
                i += sym.len();
                tokens.push((Token::Sym(sym), start));
            }
            b'\'' | b'"' => {
                let mut value = String::new();
                i += 1;
                loop {
                    let Some(&b) = bytes.get(i) else {
                        return Err(fail(start, "unterminated quote"));
                    };
                    if b == c {
                        if bytes.get(i + 1) == Some(&c) {
                            value.push(c as char);
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
                    value.push(ch);
                    i += ch.len_utf8();
                }
                tokens.push((
                    if c == b'\'' {
                        Token::Str(value)
                    } else {
                        Token::Quoted(value)
                    },
                    start,
                ));
            }
            b'-' | b'+' | b'.' | b'0'..=b'9' => {
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_digit()
                        || bytes[i] == b'.'
                        || bytes[i] == b'e'
                        || bytes[i] == b'E'
                        || ((bytes[i] == b'-' || bytes[i] == b'+')
                            && matches!(bytes[i - 1], b'e' | b'E')))
                {
                    i += 1;
                }
                let number = text[start..i]
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| fail(start, "not a number"))?;
                tokens.push((Token::Num(number), start));
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b':' | b'.'))
                {
                    i += 1;
                }
                tokens.push((Token::Word(text[start..i].to_owned()), start));
            }
            _ => return Err(fail(start, "unexpected character")),
        }
        if tokens.len() > MAX_NODES * 8 {
            return Err(fail(start, "the filter has too many parts"));
        }
    }
    Ok(tokens)
}

/// "character N" (1-based, counted in characters).
fn position(text: &str, byte: usize) -> String {
    let n = text
        .get(..byte.min(text.len()))
        .map_or(byte, |t| t.chars().count());
    format!("character {}", n + 1)
}

struct Parser<'a> {
    tokens: Vec<(Token, usize)>,
    at: usize,
    depth: usize,
    nodes: usize,
    context: Context<'a>,
    text: &'a str,
}

impl Parser<'_> {
    fn error(&self, detail: impl Into<String>) -> FilterError {
        let byte = self
            .tokens
            .get(self.at)
            .map_or(self.text.len(), |(_, at)| *at);
        FilterError {
            position: position(self.text, byte),
            detail: detail.into(),
        }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(t, _)| t)
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn eat_keyword(&mut self, word: &str) -> bool {
        let yes = self.keyword(word);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn expect_sym(&mut self, sym: &str) -> Result<(), FilterError> {
        if self.peek()
            == Some(&Token::Sym(match sym {
                "(" => "(",
                ")" => ")",
                "," => ",",
                _ => "=",
            }))
        {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected `{sym}`")))
        }
    }

    fn count(&mut self) -> Result<(), FilterError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(self.error(format!("more than {MAX_NODES} predicates and values")));
        }
        Ok(())
    }

    fn enter(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        self.enter()?;
        let mut terms = vec![self.and()?];
        while self.eat_keyword("OR") {
            terms.push(self.and()?);
        }
        self.depth -= 1;
        Ok(if terms.len() == 1 {
            terms.pop().expect("one term")
        } else {
            Filter::Or(terms)
        })
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut factors = vec![self.factor()?];
        while self.eat_keyword("AND") {
            factors.push(self.factor()?);
        }
        Ok(if factors.len() == 1 {
            factors.pop().expect("one factor")
        } else {
            Filter::And(factors)
        })
    }

    fn factor(&mut self) -> Result<Filter, FilterError> {
        self.count()?;
        if self.eat_keyword("NOT") {
            self.enter()?;
            let inner = self.factor()?;
            self.depth -= 1;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.peek() == Some(&Token::Sym("(")) {
            self.at += 1;
            let inner = self.or()?;
            self.expect_sym(")")?;
            return Ok(inner);
        }
        if let Some(Token::Word(w)) = self.peek() {
            if let Some(op) = SpatialOp::parse(w) {
                self.at += 1;
                return self.spatial(op);
            }
            if w.eq_ignore_ascii_case("s_dwithin") {
                self.at += 1;
                return self.dwithin();
            }
        }
        self.predicate()
    }

    fn property(&mut self) -> Result<&'static Queryable, FilterError> {
        let name = match self.peek() {
            Some(Token::Word(w)) | Some(Token::Quoted(w)) => w.clone(),
            _ => return Err(self.error("expected a property name")),
        };
        let queryable = self.context.property(&name).map_err(|e| self.error(e))?;
        self.at += 1;
        Ok(queryable)
    }

    /// `(geometry, <geometry>` of a spatial function: the property must be a geometry.
    fn geometry_arguments(&mut self) -> Result<(&'static Queryable, Geometry), FilterError> {
        self.expect_sym("(")?;
        let property = self.property()?;
        if property.kind != Kind::Geometry {
            self.at -= 1;
            return Err(self.error(format!("`{}` is not a geometry", property.name)));
        }
        self.expect_sym(",")?;
        Ok((property, self.geometry()?))
    }

    fn spatial(&mut self, op: SpatialOp) -> Result<Filter, FilterError> {
        let (property, geometry) = self.geometry_arguments()?;
        self.expect_sym(")")?;
        Ok(Filter::Spatial(op, property, geometry))
    }

    fn dwithin(&mut self) -> Result<Filter, FilterError> {
        let (property, geometry) = self.geometry_arguments()?;
        self.expect_sym(",")?;
        let metres = self.number()?;
        let metres = dwithin_distance(metres).map_err(|e| {
            self.at -= 1;
            self.error(e)
        })?;
        self.expect_sym(")")?;
        Ok(Filter::WithinDistance(property, geometry, metres))
    }

    fn predicate(&mut self) -> Result<Filter, FilterError> {
        let property = self.property()?;
        if property.kind == Kind::Geometry {
            self.at -= 1;
            return Err(self.error("a geometry is compared with S_INTERSECTS and the like"));
        }
        if self.eat_keyword("IS") {
            let negated = self.eat_keyword("NOT");
            if !self.eat_keyword("NULL") {
                return Err(self.error("expected NULL"));
            }
            let f = Filter::IsNull(property);
            return Ok(if negated { Filter::Not(Box::new(f)) } else { f });
        }
        let negated = self.eat_keyword("NOT");
        let filter = if self.eat_keyword("LIKE") {
            if !matches!(property.kind, Kind::Text | Kind::Enum(_)) {
                return Err(self.error(format!("`{}` is not text: LIKE needs text", property.name)));
            }
            match self.literal(property)? {
                Value::Text(pattern) => Filter::Like(property, pattern),
                _ => unreachable!("text properties take text"),
            }
        } else if self.eat_keyword("IN") {
            self.expect_sym("(")?;
            let mut values = vec![self.literal(property)?];
            while self.peek() == Some(&Token::Sym(",")) {
                self.at += 1;
                values.push(self.literal(property)?);
            }
            self.expect_sym(")")?;
            Filter::In(property, values)
        } else if self.eat_keyword("BETWEEN") {
            let low = self.literal(property)?;
            if !self.eat_keyword("AND") {
                return Err(self.error("expected AND"));
            }
            let high = self.literal(property)?;
            Filter::Between(property, low, high)
        } else if negated {
            return Err(self.error("expected LIKE, IN or BETWEEN after NOT"));
        } else {
            let op =
                match self.peek() {
                    Some(Token::Sym("=")) => CompareOp::Eq,
                    Some(Token::Sym("<>")) => CompareOp::Ne,
                    Some(Token::Sym("<")) => CompareOp::Lt,
                    Some(Token::Sym(">")) => CompareOp::Gt,
                    Some(Token::Sym("<=")) => CompareOp::Le,
                    Some(Token::Sym(">=")) => CompareOp::Ge,
                    _ => return Err(self.error(
                        "expected a comparison (=, <>, <, >, <=, >=), LIKE, IN, BETWEEN or IS NULL",
                    )),
                };
            self.at += 1;
            Filter::Compare(property, op, self.literal(property)?)
        };
        Ok(if negated {
            Filter::Not(Box::new(filter))
        } else {
            filter
        })
    }

    /// A literal, checked against the property's type.
    fn literal(&mut self, property: &Queryable) -> Result<Value, FilterError> {
        self.count()?;
        let raw = match self.peek().cloned() {
            Some(Token::Str(s)) => Raw::Text(s),
            Some(Token::Num(n)) => Raw::Number(n),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") => Raw::Bool(true),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("false") => Raw::Bool(false),
            Some(Token::Word(w))
                if w.eq_ignore_ascii_case("DATE") || w.eq_ignore_ascii_case("TIMESTAMP") =>
            {
                self.at += 1;
                self.expect_sym("(")?;
                let Some(Token::Str(s)) = self.peek().cloned() else {
                    return Err(self.error("expected a quoted date or time"));
                };
                self.at += 1;
                if self.peek() != Some(&Token::Sym(")")) {
                    return Err(self.error("expected `)`"));
                }
                if w.eq_ignore_ascii_case("DATE") {
                    Raw::Date(s)
                } else {
                    Raw::Timestamp(s)
                }
            }
            _ => return Err(self.error("expected a value")),
        };
        let value = typed(raw, property).map_err(|e| self.error(e))?;
        self.at += 1;
        Ok(value)
    }

    fn number(&mut self) -> Result<f64, FilterError> {
        match self.peek() {
            Some(Token::Num(n)) => {
                let n = *n;
                self.at += 1;
                Ok(n)
            }
            _ => Err(self.error("expected a number")),
        }
    }

    fn position(&mut self) -> Result<[f64; 2], FilterError> {
        self.count()?;
        let a = self.number()?;
        let b = self.number()?;
        // A third number (height) is allowed and ignored.
        if matches!(self.peek(), Some(Token::Num(_))) {
            self.at += 1;
        }
        let crs = self.context.crs;
        let (x, y) = crs.to_xy(a, b);
        if !crs.contains(x, y) {
            self.at -= 2;
            return Err(self.error(format!("position out of range ({})", crs.range_text())));
        }
        Ok([x, y])
    }

    /// `( x y, x y, … )`
    fn positions(&mut self) -> Result<Vec<[f64; 2]>, FilterError> {
        self.expect_sym("(")?;
        let mut list = vec![self.position()?];
        while self.peek() == Some(&Token::Sym(",")) {
            self.at += 1;
            list.push(self.position()?);
        }
        self.expect_sym(")")?;
        Ok(list)
    }

    /// `( (ring), (ring) )`
    fn rings(&mut self) -> Result<Vec<Vec<[f64; 2]>>, FilterError> {
        self.expect_sym("(")?;
        let mut rings = vec![self.ring()?];
        while self.peek() == Some(&Token::Sym(",")) {
            self.at += 1;
            rings.push(self.ring()?);
        }
        self.expect_sym(")")?;
        Ok(rings)
    }

    fn ring(&mut self) -> Result<Vec<[f64; 2]>, FilterError> {
        let ring = self.positions()?;
        if ring.len() < 4 || ring.first() != ring.last() {
            self.at -= 1;
            return Err(
                self.error("a ring needs at least 4 positions, the last equal to the first")
            );
        }
        Ok(ring)
    }

    fn geometry(&mut self) -> Result<Geometry, FilterError> {
        let Some(Token::Word(kind)) = self.peek().cloned() else {
            return Err(self.error("expected POINT, LINESTRING, POLYGON, MULTIPOLYGON or BBOX"));
        };
        self.at += 1;
        let value = match kind.to_ascii_uppercase().as_str() {
            "POINT" => {
                self.expect_sym("(")?;
                let p = self.position()?;
                self.expect_sym(")")?;
                serde_json::json!({"type": "Point", "coordinates": p})
            }
            "LINESTRING" => {
                let line = self.positions()?;
                if line.len() < 2 {
                    return Err(self.error("a line needs at least 2 positions"));
                }
                serde_json::json!({"type": "LineString", "coordinates": line})
            }
            "POLYGON" => serde_json::json!({"type": "Polygon", "coordinates": self.rings()?}),
            "MULTIPOLYGON" => {
                self.expect_sym("(")?;
                let mut polygons = vec![self.rings()?];
                while self.peek() == Some(&Token::Sym(",")) {
                    self.at += 1;
                    polygons.push(self.rings()?);
                }
                self.expect_sym(")")?;
                serde_json::json!({"type": "MultiPolygon", "coordinates": polygons})
            }
            "BBOX" => {
                self.expect_sym("(")?;
                let mut n = vec![self.number()?];
                while self.peek() == Some(&Token::Sym(",")) {
                    self.at += 1;
                    n.push(self.number()?);
                }
                self.expect_sym(")")?;
                bbox_polygon(&n, self.context.crs).map_err(|e| {
                    self.at -= 1;
                    self.error(e)
                })?
            }
            _ => {
                self.at -= 1;
                return Err(self.error("expected POINT, LINESTRING, POLYGON, MULTIPOLYGON or BBOX"));
            }
        };
        Ok(Geometry {
            geojson: value.to_string(),
            srid: self.context.crs.srid(),
        })
    }
}

#[cfg(test)]
#[path = "cql2_text_tests.rs"]
mod tests;
