//! The list-filter sides (bench/README.md, "List filters"): the cost of planning
//! `Engine::filter` for the example policy and of writing its SQL, then a list endpoint on
//! SQLite, the filtered query beside loading every row and authorizing each.
//!
//! - `filter`, alg = the principal's name: `engine.filter(&principal, action, type, &context)`
//!   for a user (a conditional filter), an admin (always) and a banned user (never).
//! - `filter-sql`, alg `user`: `filter.sql(Dialect::Sqlite, &columns)` of the user's filter,
//!   the columns read once outside the timing.
//! - `list`, alg `"<owned> of <rows> rows"`: one request of a list endpoint over a table of
//!   todos with an index on `owner_id`, of which the caller owns 1 in `owners`. `wardgate`
//!   plans the filter, writes its SQL and runs `SELECT ... WHERE <condition>` (a statement
//!   prepared once, through rusqlite's statement cache); `wardgate (authorize each row)`
//!   runs `SELECT ...` over the whole table, builds each row's resource and keeps the rows
//!   `authorize` allows. Both return the rows as `Todo` values and must return the same ones.
//!
//! The principals come from the fixtures' tokens, verified once outside the timing.

use crate::fixtures::{FilterCase, Fixtures};
use crate::measure::Side;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params_from_iter, Connection, Row, ToSql};
use serde_json::{json, Map};
use std::hint::black_box;
use std::path::PathBuf;
use std::rc::Rc;
use wardgate::filter::sql::{Columns, Dialect, SqlValue};
use wardgate::filter::FilterKind;
use wardgate::{Engine, Principal, Request, UnixTime};

/// The columns both sides of the list endpoint read.
const SELECT: &str = "SELECT id, owner_id, title, done FROM todos";

/// The engine over the example policy and the fixtures' principals, by name.
fn setup(case: &FilterCase, now: UnixTime) -> (Rc<Engine>, Vec<(String, FilterKind, Principal)>) {
    let engine = Engine::from_value(&case.policy).unwrap_or_else(|e| panic!("the filter policy: {e}"));
    let principals = case
        .principals
        .iter()
        .map(|p| {
            let principal =
                engine.verify(&p.token, now).unwrap_or_else(|e| panic!("filter {}: the token: {e}", p.name));
            let kind = [FilterKind::Always, FilterKind::Never, FilterKind::Conditional]
                .into_iter()
                .find(|k| k.as_str() == p.kind)
                .unwrap_or_else(|| panic!("filter {}: unknown kind {:?}", p.name, p.kind));
            (p.name.clone(), kind, principal)
        })
        .collect();
    (Rc::new(engine), principals)
}

/// The `filter` side of each principal, then the `filter-sql` side of the conditional one;
/// each filter must be of the kind the fixtures give before it is timed.
pub fn sides(fx: &Fixtures, now: UnixTime) -> Vec<Side> {
    let case = &fx.filter;
    let (engine, principals) = setup(case, now);
    let columns = Rc::new(Columns::from_value(&case.columns).unwrap_or_else(|e| panic!("the filter columns: {e}")));
    let context = Rc::new(Map::new());
    let mut sides = Vec::new();
    let mut sql_side = None;
    for (name, kind, principal) in principals {
        let filter = engine
            .filter(&principal, &case.action, &case.resource_type, &context)
            .unwrap_or_else(|e| panic!("filter {name}: {e}"));
        assert_eq!(filter.kind(), kind, "filter {name}: the kind");
        if kind == FilterKind::Conditional && sql_side.is_none() {
            let sql = filter.sql(Dialect::Sqlite, &columns).unwrap_or_else(|e| panic!("filter {name}: sql: {e}"));
            assert!(sql.text.contains('?') && !sql.params.is_empty(), "filter {name}: {sql:?} binds no parameter");
            let columns = columns.clone();
            sql_side = Some(Side::new("wardgate", "filter-sql", &name, move || {
                let _ = black_box(filter.sql(Dialect::Sqlite, black_box(&columns)));
            }));
        }
        let (engine, context) = (engine.clone(), context.clone());
        let (action, resource_type) = (case.action.clone(), case.resource_type.clone());
        sides.push(Side::new("wardgate", "filter", &name, move || {
            let _ = black_box(engine.filter(black_box(&principal), &action, &resource_type, &context));
        }));
    }
    sides.extend(sql_side);
    sides
}

/// A row of the list endpoint's table, as the application holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Todo {
    id: String,
    owner_id: String,
    title: String,
    done: bool,
}

impl Todo {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Todo> {
        Ok(Todo { id: row.get(0)?, owner_id: row.get(1)?, title: row.get(2)?, done: row.get(3)? })
    }
}

/// A filter's parameter bound as the value it is (booleans as 0/1, as SQLite stores them).
struct Param<'a>(&'a SqlValue);

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self.0 {
            SqlValue::Text(s) => ValueRef::Text(s.as_bytes()),
            SqlValue::Integer(i) => ValueRef::Integer(*i),
            SqlValue::Real(f) => ValueRef::Real(*f),
            SqlValue::Boolean(b) => ValueRef::Integer(i64::from(*b)),
            other => return Err(rusqlite::Error::ToSqlConversionFailure(format!("{other:?}").into())),
        }))
    }
}

/// The list endpoint's database: a temporary file, removed when dropped (after the sides
/// that hold its connection).
pub struct ListDb {
    path: PathBuf,
}

impl Drop for ListDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Writes the table of the fixtures' list case with `rows` rows into a new temporary file.
fn build(rows: usize, owners: usize) -> (ListDb, Connection) {
    let path = std::env::temp_dir().join(format!("wardgate-bench-list-{}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let db = ListDb { path };
    let mut conn = Connection::open(&db.path).unwrap_or_else(|e| panic!("{}: {e}", db.path.display()));
    conn.execute_batch(
        "CREATE TABLE todos (id TEXT PRIMARY KEY, owner_id TEXT NOT NULL, title TEXT NOT NULL, done INTEGER NOT NULL)",
    )
    .expect("CREATE TABLE");
    let tx = conn.transaction().expect("a transaction");
    {
        let mut insert = tx.prepare("INSERT INTO todos VALUES (?1, ?2, ?3, ?4)").expect("INSERT");
        for i in 0..rows {
            insert
                .execute((format!("todo_{i}"), format!("user_{}", i % owners), format!("Todo {i}"), i % 3 == 0))
                .expect("a row");
        }
    }
    tx.commit().expect("COMMIT");
    conn.execute_batch("CREATE INDEX todos_owner_id ON todos (owner_id); ANALYZE").expect("the owner_id index");
    (db, conn)
}

/// Panics unless SQLite answers the user's filtered query through the `owner_id` index.
fn uses_index(conn: &Connection, engine: &Engine, principal: &Principal, case: &FilterCase, columns: &Columns) {
    let filter = engine.filter(principal, &case.action, &case.resource_type, &Map::new()).expect("the user's filter");
    let sql = filter.sql(Dialect::Sqlite, columns).expect("the user's filter in SQL");
    let mut statement =
        conn.prepare(&format!("EXPLAIN QUERY PLAN {SELECT} WHERE {}", sql.text)).expect("EXPLAIN QUERY PLAN");
    let plan: Vec<String> = statement
        .query_map(params_from_iter(sql.params.iter().map(Param)), |row| row.get::<_, String>(3))
        .expect("the query plan")
        .collect::<rusqlite::Result<_>>()
        .expect("the query plan's rows");
    assert!(
        plan.iter().any(|step| step.contains("todos_owner_id")),
        "list: the filtered query does not use the index: {plan:?}"
    );
}

/// The two sides of the list endpoint (`wardgate`, then `wardgate (authorize each row)`),
/// checked to return the same rows, the caller's 1 in `owners`; and the database, to drop
/// after them.
pub fn list_sides(fx: &Fixtures, now: UnixTime, quick: bool) -> (Vec<Side>, ListDb) {
    let case = &fx.filter;
    let list = &case.list;
    let rows = if quick { list.quick_rows } else { list.rows };
    let (engine, principals) = setup(case, now);
    let principal = principals
        .into_iter()
        .find(|(name, _, _)| *name == list.principal)
        .map(|(_, _, p)| p)
        .unwrap_or_else(|| panic!("filter.list: no principal {:?}", list.principal));
    let owner = principal.id().to_owned();
    let columns = Columns::from_value(&case.columns).unwrap_or_else(|e| panic!("the filter columns: {e}"));
    let (db, conn) = build(rows, list.owners);
    uses_index(&conn, &engine, &principal, case, &columns);
    let conn = Rc::new(conn);
    let (action, resource_type) = (case.action.clone(), case.resource_type.clone());

    let filtered = {
        let (engine, principal, conn, action, resource_type) =
            (engine.clone(), principal.clone(), conn.clone(), action.clone(), resource_type.clone());
        let context = Map::new();
        move || -> Vec<Todo> {
            let filter = engine.filter(&principal, &action, &resource_type, &context).expect("the user's filter");
            let sql = filter.sql(Dialect::Sqlite, &columns).expect("the user's filter in SQL");
            let mut statement = conn.prepare_cached(&format!("{SELECT} WHERE {}", sql.text)).expect("the query");
            let todos = statement
                .query_map(params_from_iter(sql.params.iter().map(Param)), Todo::from_row)
                .expect("the filtered query");
            todos.collect::<rusqlite::Result<_>>().expect("the filtered rows")
        }
    };
    let each = move || -> Vec<Todo> {
        let mut statement = conn.prepare_cached(SELECT).expect("the query");
        let mut rows = statement.query([]).expect("the whole table");
        let mut allowed = Vec::new();
        while let Some(row) = rows.next().expect("a row") {
            let todo = Todo::from_row(row).expect("a todo");
            let resource = json!({
                "type": resource_type, "id": todo.id, "owner_id": todo.owner_id, "title": todo.title, "done": todo.done,
            });
            if engine.authorize(&principal, &Request::new(action.as_str(), resource)).allowed {
                allowed.push(todo);
            }
        }
        allowed
    };

    let (mine, theirs) = (filtered(), each());
    let expected = (0..rows).filter(|i| i % list.owners == 1).count();
    assert!(
        mine.len() == expected && mine.iter().all(|t| t.owner_id == owner),
        "list: the filtered query returns {} rows, expected the caller's {expected}",
        mine.len()
    );
    let ids = |todos: &[Todo]| {
        let mut ids: Vec<String> = todos.iter().map(|t| t.id.clone()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&mine), ids(&theirs), "list: the filtered query and authorize disagree");

    let alg = format!("{expected} of {rows} rows");
    let sides = vec![
        Side::new("wardgate", "list", &alg, move || {
            black_box(filtered());
        }),
        Side::new("wardgate (authorize each row)", "list", &alg, move || {
            black_box(each());
        }),
    ];
    (sides, db)
}
