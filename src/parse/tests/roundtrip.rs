//! Printing an AST and parsing it back gives the same AST (modulo spans), for
//! random ASTs (not type-correct ones: the parser does not care).

use proptest::prelude::*;

use super::*;
use crate::ast::{
    BinaryOp, Call, CaseArm, ChannelDecl, ClockTime, EventDecl, EventLit, ExprKind, FieldDecl,
    GivenField, GivenValue, Ident, LetDecl, Limit, ProfileDecl, RuleDecl, StrLit, TestDecl,
    TestItem, TestItemKind, TriggerDecl, TriggerItem, TriggerItemKind, TriggerStart, TypeExpr,
    TypeExprKind, UnaryOp, Window, WindowKind,
};
use crate::print::{print_module, strip_spans};
use crate::source::{FileId, Span};

/// Names that are neither reserved nor item keywords (which would end a list of
/// channels or conjuncts early), including Unicode and contextual words.
const NAMES: [&str; 10] = [
    "age",
    "paid",
    "x",
    "y_1",
    "高价值用户",
    "华东",
    "_t",
    "count",
    "at",
    "now",
];

fn ident() -> impl Strategy<Value = Ident> {
    prop::sample::select(&NAMES[..]).prop_map(|name| Ident {
        name: name.to_string(),
        span: Span::default(),
    })
}

fn e(kind: ExprKind) -> Expr {
    Expr {
        kind,
        span: Span::default(),
    }
}

fn str_lit() -> impl Strategy<Value = StrLit> {
    any::<String>().prop_map(|value| StrLit {
        value,
        span: Span::default(),
    })
}

fn non_negative_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        (0u32..100_000, 0u32..5).prop_map(|(m, e)| f64::from(m) / 10f64.powi(e as i32)),
        any::<f64>().prop_filter_map("finite", |f| f.is_finite().then_some(f.abs())),
    ]
}

fn leaf() -> impl Strategy<Value = Expr> {
    let units = [
        1_000_000i64,
        60_000_000,
        3_600_000_000,
        86_400_000_000,
        604_800_000_000,
    ];
    prop_oneof![
        any::<bool>().prop_map(|b| e(ExprKind::Bool(b))),
        (0..=i64::MAX).prop_map(|i| e(ExprKind::Int(i))),
        non_negative_float().prop_map(|f| e(ExprKind::Float(f))),
        any::<String>().prop_map(|s| e(ExprKind::Str(s))),
        (0i64..100_000, prop::sample::select(units.to_vec()))
            .prop_map(|(n, unit)| e(ExprKind::Duration(n * unit))),
        non_negative_float().prop_map(|p| e(ExprKind::Percent(p))),
        ident().prop_map(|name| e(ExprKind::Name(name))),
    ]
}

fn binary_op() -> impl Strategy<Value = BinaryOp> {
    use BinaryOp::*;
    prop::sample::select(vec![
        Or, And, Eq, Ne, Lt, Le, Gt, Ge, In, NotIn, Contains, Add, Sub, Mul, Div, Rem,
    ])
}

/// Any expression but a `Conjunction` (which only appears at the top of a body).
fn expr_tree() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(5, 48, 4, |inner| {
        let boxed = inner.clone().prop_map(Box::new);
        let window = (any::<bool>(), inner.clone()).prop_map(|(within, bound)| Window {
            kind: if within {
                WindowKind::Within
            } else {
                WindowKind::Since
            },
            bound: Box::new(bound),
            span: Span::default(),
        });
        let callee = prop_oneof![
            ident(),
            Just(Ident {
                name: "since".to_string(),
                span: Span::default()
            })
        ];
        let arm = (inner.clone(), inner.clone()).prop_map(|(cond, value)| CaseArm {
            cond,
            value,
            span: Span::default(),
        });
        prop_oneof![
            (any::<bool>(), boxed.clone()).prop_map(|(not, operand)| e(ExprKind::Unary {
                op: if not { UnaryOp::Not } else { UnaryOp::Neg },
                operand,
            })),
            (binary_op(), boxed.clone(), boxed.clone())
                .prop_map(|(op, lhs, rhs)| e(ExprKind::Binary { op, lhs, rhs })),
            (boxed.clone(), str_lit())
                .prop_map(|(subject, pattern)| e(ExprKind::Matches { subject, pattern })),
            (boxed.clone(), any::<bool>())
                .prop_map(|(subject, present)| e(ExprKind::Is { subject, present })),
            (boxed.clone(), ident())
                .prop_map(|(object, name)| e(ExprKind::Member { object, name })),
            prop::collection::vec(inner.clone(), 0..4).prop_map(|items| e(ExprKind::List(items))),
            (
                callee,
                prop::collection::vec(inner.clone(), 0..3),
                prop::option::of(boxed.clone()),
                prop::option::of(window),
            )
                .prop_map(|(callee, args, filter, window)| e(ExprKind::Call(Call {
                    callee,
                    args,
                    filter,
                    window,
                }))),
            (prop::collection::vec(arm, 0..3), prop::option::of(boxed))
                .prop_map(|(arms, default)| e(ExprKind::Case { arms, default })),
        ]
    })
}

/// A tag, segment or `when` body: an expression or a conjunction of 2 or more.
fn body() -> impl Strategy<Value = Expr> {
    prop_oneof![
        expr_tree(),
        prop::collection::vec(expr_tree(), 2..4).prop_map(|parts| e(ExprKind::Conjunction(parts))),
    ]
}

fn type_expr() -> impl Strategy<Value = TypeExpr> {
    let t = |kind| TypeExpr {
        kind,
        span: Span::default(),
    };
    let base = prop_oneof![
        ident().prop_map(TypeExprKind::Named),
        prop::collection::vec(ident(), 1..4).prop_map(TypeExprKind::Enum),
    ]
    .prop_map(t);
    prop_oneof![
        base.clone(),
        base.prop_map(move |element| t(TypeExprKind::Set(Box::new(element)))),
    ]
}

fn fields() -> impl Strategy<Value = Vec<FieldDecl>> {
    prop::collection::vec(
        (ident(), type_expr()).prop_map(|(name, ty)| FieldDecl { name, ty }),
        0..4,
    )
}

fn clock() -> impl Strategy<Value = ClockTime> {
    (0u8..24, 0u8..60).prop_map(|(hour, minute)| ClockTime {
        hour,
        minute,
        span: Span::default(),
    })
}

fn limit() -> impl Strategy<Value = Limit> {
    (expr_tree(), expr_tree()).prop_map(|(count, per)| Limit { count, per })
}

fn trigger_item() -> impl Strategy<Value = TriggerItem> {
    let item = |kind| TriggerItem {
        kind,
        span: Span::default(),
    };
    let start = prop_oneof![
        (ident(), prop::option::of(expr_tree()))
            .prop_map(|(event, filter)| TriggerStart::Event { event, filter }),
        ident().prop_map(TriggerStart::Enter),
        ident().prop_map(TriggerStart::Exit),
        clock().prop_map(TriggerStart::EveryDay),
    ];
    let leaf = prop_oneof![
        start.prop_map(TriggerItemKind::On),
        body().prop_map(TriggerItemKind::When),
        expr_tree().prop_map(TriggerItemKind::Goal),
        (str_lit(), prop::collection::vec(ident(), 1..4))
            .prop_map(|(message, channels)| TriggerItemKind::Send { message, channels }),
        expr_tree().prop_map(TriggerItemKind::Wait),
        limit().prop_map(TriggerItemKind::Limit),
        (clock(), clock()).prop_map(|(from, to)| TriggerItemKind::Quiet { from, to }),
    ]
    .prop_map(item);
    leaf.prop_recursive(2, 12, 3, move |inner| {
        (
            expr_tree(),
            prop::collection::vec(inner.clone(), 0..3),
            prop::collection::vec(inner, 0..3),
        )
            .prop_map(move |(cond, then, otherwise)| {
                item(TriggerItemKind::If {
                    cond,
                    then,
                    otherwise,
                })
            })
    })
}

fn test_item() -> impl Strategy<Value = TestItem> {
    let event = (ident(), prop::collection::vec((ident(), expr_tree()), 0..3)).prop_map(
        |(event, fields)| EventLit {
            event,
            fields,
            span: Span::default(),
        },
    );
    let events = prop::collection::vec(event, 0..3).prop_map(|events| GivenField {
        name: Ident {
            name: "events".to_string(),
            span: Span::default(),
        },
        value: GivenValue::Events(events),
        span: Span::default(),
    });
    let field = (ident(), expr_tree()).prop_map(|(name, value)| GivenField {
        name,
        value: GivenValue::Expr(value),
        span: Span::default(),
    });
    prop_oneof![
        expr_tree().prop_map(TestItemKind::Now),
        expr_tree().prop_map(TestItemKind::Expect),
        prop::collection::vec(prop_oneof![field, events], 0..4).prop_map(TestItemKind::Given),
    ]
    .prop_map(|kind| TestItem {
        kind,
        span: Span::default(),
    })
}

fn item_kind() -> impl Strategy<Value = ItemKind> {
    let rule = || (ident(), body()).prop_map(|(name, body)| RuleDecl { name, body });
    prop_oneof![
        fields().prop_map(|fields| ItemKind::Profile(ProfileDecl { fields })),
        (ident(), fields()).prop_map(|(name, props)| ItemKind::Event(EventDecl { name, props })),
        (ident(), expr_tree()).prop_map(|(name, value)| ItemKind::Let(LetDecl { name, value })),
        rule().prop_map(ItemKind::Tag),
        rule().prop_map(ItemKind::Segment),
        (ident(), expr_tree())
            .prop_map(|(name, when)| ItemKind::Channel(ChannelDecl { name, when })),
        (ident(), prop::collection::vec(trigger_item(), 0..4))
            .prop_map(|(name, items)| ItemKind::Trigger(TriggerDecl { name, items })),
        (str_lit(), prop::collection::vec(test_item(), 0..4))
            .prop_map(|(title, items)| ItemKind::Test(TestDecl { title, items })),
        str_lit().prop_map(ItemKind::Import),
        str_lit().prop_map(ItemKind::Timezone),
        limit().prop_map(ItemKind::Limit),
    ]
}

fn module() -> impl Strategy<Value = Module> {
    prop::collection::vec(
        item_kind().prop_map(|kind| Item {
            kind,
            span: Span::default(),
        }),
        0..5,
    )
    .prop_map(|items| Module {
        file: FileId(0),
        items,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn print_then_parse_gives_the_same_ast(original in module()) {
        let text = print_module(&original);
        let (_, parsed) = parse(&text);
        let mut parsed = match parsed {
            Ok(module) => module,
            Err(errors) => return Err(TestCaseError::fail(format!("{text}\n{errors:#?}"))),
        };
        strip_spans(&mut parsed);
        prop_assert_eq!(&parsed, &original, "{}", text);
    }
}

#[test]
fn printing_the_language_snippets_round_trips() {
    for text in super::snippets::ALL {
        let (_, mut module) = parse_ok(text);
        let printed = print_module(&module);
        let (_, mut reparsed) = parse_ok(&printed);
        strip_spans(&mut module);
        strip_spans(&mut reparsed);
        assert_eq!(module, reparsed, "{printed}");
    }
}
