//! Running a rule set's `test` blocks: build the profile a test describes, evaluate its
//! expectations, and explain a failure with the values that decided it.

use crate::data::ProfilesBuilder;
use crate::eval::{Interpreter, eval_const};
use crate::explain::tree::{At, Builder, Node, show_value};
use crate::ir::{ExprId, ExprKind, Program, Test};
use crate::source::Span;
use crate::value::Value;

/// The outcome of one `test` block.
#[derive(Clone, Debug)]
pub struct TestResult {
    pub title: String,
    pub span: Span,
    /// The expectations that did not hold.
    pub failures: Vec<ExpectFailure>,
    /// The `given` profile could not be built (a value the data loader rejects).
    pub setup_error: Option<String>,
}

/// A failed `expect`, with the values of its parts.
#[derive(Clone, Debug)]
pub struct ExpectFailure {
    /// The expectation as written.
    pub source: String,
    pub span: Span,
    /// Sub-expressions as written and their values, outermost first, indented by depth.
    pub values: Vec<(usize, String, String)>,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.setup_error.is_none()
    }

    /// A readable account of why the test failed (empty if it passed).
    pub fn report(&self) -> String {
        let mut out = String::new();
        if let Some(e) = &self.setup_error {
            out.push_str(&format!("    cannot build the given profile: {e}\n"));
        }
        for f in &self.failures {
            out.push_str(&format!("    expect {}\n", f.source));
            for (depth, text, value) in &f.values {
                out.push_str(&format!("      {}{text} = {value}\n", "  ".repeat(*depth)));
            }
        }
        out
    }
}

/// Runs every test of the program; `now` is the reference time of tests that set none.
pub fn run_all(program: &Program, now: i64) -> Vec<TestResult> {
    let interpreter = Interpreter::new(program);
    program
        .tests
        .iter()
        .map(|t| run(&interpreter, t, now))
        .collect()
}

fn run(interpreter: &Interpreter<'_>, test: &Test, default_now: i64) -> TestResult {
    let program = interpreter.program();
    let now = match test.now.map(|e| eval_const(program, e, default_now)) {
        Some(Value::Time(t)) => t,
        _ => default_now,
    };
    let mut result = TestResult {
        title: test.title.clone(),
        span: test.span,
        failures: Vec::new(),
        setup_error: None,
    };
    let mut builder = ProfilesBuilder::new(&program.schema);
    let id = match test.given.id.map(|e| eval_const(program, e, now)) {
        Some(Value::Str(id)) => id.to_string(),
        // An int key is its decimal text, as the data loaders read it.
        Some(Value::Int(id)) => id.to_string(),
        _ => "test".to_string(),
    };
    let built = {
        let mut row = builder.profile(&id);
        let mut outcome = Ok(());
        for (field, expr) in &test.given.fields {
            let value = eval_const(program, *expr, now);
            outcome = outcome.and_then(|()| row.set(*field, &value));
        }
        for event in &test.given.events {
            let at = match event.at.map(|e| eval_const(program, e, now)) {
                Some(Value::Time(t)) => t,
                _ => now,
            };
            let props: Vec<_> = event
                .props
                .iter()
                .map(|(p, e)| (*p, eval_const(program, *e, now)))
                .collect();
            outcome = outcome.and_then(|()| row.event(event.event, at, &props));
        }
        outcome.and_then(|()| row.finish())
    };
    if let Err(e) = built {
        result.setup_error = Some(e.to_string());
        return result;
    }
    let profiles = builder.finish();
    for &expect in &test.expects {
        if interpreter
            .eval_expr(&profiles, 0, now, None, expect)
            .truthy()
        {
            continue;
        }
        let mut values = Vec::new();
        explain(interpreter, &profiles, now, expect, &mut values);
        let span = program.expr(expect).span;
        result.failures.push(ExpectFailure {
            source: program.sources.snippet(span).to_string(),
            span,
            values,
        });
    }
    let timeline = crate::trigger::timeline::run(program, test, &id, now);
    result.failures.extend(timeline.failures);
    if let Some(e) = timeline.error {
        result.setup_error = Some(e);
    }
    result
}

/// The values of `expr` and its parts, three levels deep (following a tag or segment
/// into its definition), outermost first.
fn explain(
    interpreter: &Interpreter<'_>,
    profiles: &crate::data::Profiles,
    now: i64,
    expr: ExprId,
    out: &mut Vec<(usize, String, String)>,
) {
    let at = At {
        interpreter,
        profiles,
        row: 0,
        now,
    };
    let tree = Builder::shallow(&at, 3).node(expr, 0);
    flatten(interpreter.program(), &tree, 0, out);
}

fn flatten(program: &Program, node: &Node, depth: usize, out: &mut Vec<(usize, String, String)>) {
    out.push((
        depth,
        node.text.clone(),
        show_value(program, &node.value, node.ty),
    ));
    // A `case` reads better as its value than as every arm.
    if matches!(program.expr(node.expr).kind, ExprKind::Case { .. }) {
        return;
    }
    for child in &node.children {
        // A child with the same text (the enum shorthand `ios`) adds nothing.
        if child.span != node.span {
            flatten(program, child, depth + 1, out);
        }
    }
}
