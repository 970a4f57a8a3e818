//! Hand-built SQL (searches, tiles) with its values kept apart from its text: a statement is a
//! list of text fragments and values, and diesel numbers the placeholders when it sends it, so
//! nothing ever scans or rewrites SQL text.
//!
//! Why not diesel's query DSL for these: the search combines ~25 optional filters, PostGIS
//! functions and keyset conditions into one statement whose text must stay stable per filter
//! combination, so that it is prepared once per connection (see `db::establish_for_serving`).

use std::borrow::Cow;
use std::marker::PhantomData;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::result::QueryResult;
use diesel::sql_types::{Array, BigInt, Bool, Date, Double, Text, Timestamptz, Untyped};

/// A value sent with a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    I64(i64),
    F64(f64),
    Text(String),
    Bool(bool),
    Date(NaiveDate),
    Timestamp(DateTime<Utc>),
    I64s(Vec<i64>),
    Texts(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(Cow<'static, str>),
    Bind(Bind),
}

impl From<&'static str> for Part {
    fn from(text: &'static str) -> Part {
        Part::Text(Cow::Borrowed(text))
    }
}

impl From<String> for Part {
    fn from(text: String) -> Part {
        Part::Text(Cow::Owned(text))
    }
}

impl From<Bind> for Part {
    fn from(value: Bind) -> Part {
        Part::Bind(value)
    }
}

/// A statement or a fragment of one: text and values in the order they appear.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sql {
    parts: Vec<Part>,
    /// Run as an unnamed statement, planned with its actual values, instead of a prepared
    /// statement with a generic plan (see `db::establish_for_serving`).
    pub plan_per_execution: bool,
}

/// `sql!["plots.area_m2 >= ", Bind::F64(v)]`: a fragment from text and values in order.
macro_rules! sql {
    ($($part:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut sql = $crate::db::sql::Sql::default();
        $(sql.add($part);)*
        sql
    }};
}
pub(crate) use sql;

/// What `Sql::add` takes: text, a value, or another fragment.
pub trait Piece {
    fn add_to(self, sql: &mut Sql);
}

impl Piece for &'static str {
    fn add_to(self, sql: &mut Sql) {
        sql.parts.push(self.into());
    }
}

impl Piece for String {
    fn add_to(self, sql: &mut Sql) {
        sql.parts.push(self.into());
    }
}

impl Piece for Bind {
    fn add_to(self, sql: &mut Sql) {
        sql.parts.push(self.into());
    }
}

impl Piece for Sql {
    fn add_to(self, sql: &mut Sql) {
        sql.plan_per_execution |= self.plan_per_execution;
        sql.parts.extend(self.parts);
    }
}

impl Sql {
    pub fn add(&mut self, piece: impl Piece) -> &mut Self {
        piece.add_to(self);
        self
    }

    /// Fragments separated by `separator` (nothing when there are none).
    pub fn join(fragments: Vec<Sql>, separator: &'static str) -> Sql {
        let mut joined = Sql::default();
        for (i, fragment) in fragments.into_iter().enumerate() {
            if i > 0 {
                joined.add(separator);
            }
            joined.add(fragment);
        }
        joined
    }

    /// The statement, ready to run, its rows typed by `ST` (`Untyped` for `QueryableByName`
    /// rows). Unlike `diesel::sql_query` it may be kept prepared per connection (keyed by its
    /// text), which saves a round trip and a plan on every request.
    pub fn query<ST>(self) -> PreparedSql<ST> {
        let cacheable = !self.plan_per_execution && admitted(&self);
        PreparedSql(self, cacheable, PhantomData)
    }

    pub fn untyped(self) -> PreparedSql<Untyped> {
        self.query()
    }

    /// The SQL with every value written inline: for EXPLAIN ANALYZE, psql and pgbench.
    pub fn inline(&self) -> String {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.to_string(),
                Part::Bind(value) => literal(value),
            })
            .collect()
    }
}

/// A SQL string literal. Safe with `standard_conforming_strings = on` (the default since
/// PostgreSQL 9.1, and set explicitly on every connection): only `'` needs doubling. For a
/// value that must be planned as a constant (full-text search), and for `Sql::inline`.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn literal(value: &Bind) -> String {
    match value {
        Bind::I64(v) => format!("{v}::bigint"),
        Bind::F64(v) => format!("{v:?}::float8"),
        Bind::Text(v) => format!("{}::text", quote(v)),
        Bind::Bool(v) => v.to_string(),
        Bind::Date(v) => format!("'{v}'::date"),
        Bind::Timestamp(v) => format!("'{}'::timestamptz", v.to_rfc3339()),
        Bind::I64s(v) => format!(
            "ARRAY[{}]::bigint[]",
            v.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
        Bind::Texts(v) => format!(
            "ARRAY[{}]::text[]",
            v.iter().map(|t| quote(t)).collect::<Vec<_>>().join(",")
        ),
    }
}

/// `Sql` as a diesel query whose rows have SQL type `ST`, and whether it may stay prepared.
pub struct PreparedSql<ST>(Sql, bool, PhantomData<fn() -> ST>);

impl<ST> QueryId for PreparedSql<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST> Query for PreparedSql<ST> {
    type SqlType = ST;
}

/// Most distinct statement texts kept prepared. Each pooled connection (and its PostgreSQL
/// backend) keeps every statement it prepared until it closes, and the texts are as many as the
/// combinations of filters a client can send: without a bound, a client cycling through them
/// would grow the memory of both without end. The first texts the service meets (those of the
/// maps and the usual searches) are prepared; any text beyond this many runs unprepared,
/// planned for its one execution, which costs about a millisecond and nothing that stays.
pub const MAX_PREPARED: usize = 256;

/// Whether a statement text may be kept prepared: it is one of the first `MAX_PREPARED` texts.
fn admitted(sql: &Sql) -> bool {
    use std::collections::HashSet;
    use std::hash::{Hash, Hasher};
    use std::sync::Mutex;
    static ADMITTED: Mutex<Option<HashSet<u64>>> = Mutex::new(None);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for part in &sql.parts {
        match part {
            // A `'static` text is the same text wherever it is: its address and length name it,
            // where hashing its bytes (a search's ~5 kB select list) cost ~8,500 instructions
            // per page. The same words at two addresses count twice against the bound, no more.
            Part::Text(Cow::Borrowed(text)) => {
                (text.as_ptr() as usize, text.len()).hash(&mut hasher)
            }
            Part::Text(text) => text.hash(&mut hasher),
            // Values do not change the text, but their types do (a `$n` of another type).
            Part::Bind(value) => std::mem::discriminant(value).hash(&mut hasher),
        }
    }
    let key = hasher.finish();
    let mut admitted = ADMITTED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let admitted = admitted.get_or_insert_with(HashSet::new);
    admitted.contains(&key) || (admitted.len() < MAX_PREPARED && admitted.insert(key))
}

impl<ST> QueryFragment<Pg> for PreparedSql<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        if !self.1 {
            out.unsafe_to_cache_prepared();
        }
        for part in &self.0.parts {
            match part {
                Part::Text(text) => out.push_sql(text),
                Part::Bind(Bind::I64(v)) => out.push_bind_param::<BigInt, _>(v)?,
                Part::Bind(Bind::F64(v)) => out.push_bind_param::<Double, _>(v)?,
                Part::Bind(Bind::Text(v)) => out.push_bind_param::<Text, _>(v)?,
                Part::Bind(Bind::Bool(v)) => out.push_bind_param::<Bool, _>(v)?,
                Part::Bind(Bind::Date(v)) => out.push_bind_param::<Date, _>(v)?,
                Part::Bind(Bind::Timestamp(v)) => out.push_bind_param::<Timestamptz, _>(v)?,
                Part::Bind(Bind::I64s(v)) => out.push_bind_param::<Array<BigInt>, _>(v)?,
                Part::Bind(Bind::Texts(v)) => out.push_bind_param::<Array<Text>, _>(v)?,
            }
        }
        Ok(())
    }
}

/// The SQL text diesel writes for a fragment without values (a select list), for embedding in
/// hand-built statements.
pub fn text_of(fragment: &impl QueryFragment<Pg>) -> String {
    use diesel::query_builder::QueryBuilder;
    let mut builder = diesel::pg::PgQueryBuilder::new();
    fragment
        .to_sql(&mut builder, &Pg)
        .expect("a select list always renders");
    let text = builder.finish();
    assert!(
        !text.contains('$'),
        "a fragment rendered as text cannot carry values: {text}"
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_stay_apart_from_text() {
        let mut sql = sql!["SELECT ", Bind::Text("a $1 'b'".into()), " WHERE x = "];
        sql.add(Bind::I64(7));
        assert_eq!(
            sql.inline(),
            "SELECT 'a $1 ''b'''::text WHERE x = 7::bigint"
        );
        let joined = Sql::join(vec![sql!["a"], sql!["b"], sql!["c"]], " AND ");
        assert_eq!(joined.inline(), "a AND b AND c");
    }
}
