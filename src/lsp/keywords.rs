//! Short documentation of the language's keywords and functions, for hover and
//! completion.

/// A function of the language: its name, how it is written, what it gives.
pub const FUNCTIONS: &[(&str, &str, &str)] = &[
    (
        "count",
        "count(event where c within D)",
        "int: how many matching events",
    ),
    (
        "exists",
        "exists(event where c within D)",
        "bool: whether any event matches",
    ),
    (
        "sum",
        "sum(event.property where c within D)",
        "the total of a numeric property over matching events (0 if none)",
    ),
    (
        "avg",
        "avg(event.property where c within D)",
        "float: the mean of a numeric property (missing if none)",
    ),
    (
        "min",
        "min(event.property where c within D)",
        "the smallest value of a property (missing if none)",
    ),
    (
        "max",
        "max(event.property where c within D)",
        "the largest value of a property (missing if none)",
    ),
    (
        "first",
        "first(event where c within D).property",
        "the property of the earliest matching event",
    ),
    (
        "last",
        "last(event where c within D).property",
        "the property of the latest matching event",
    ),
    (
        "streak",
        "streak(event where c within D)",
        "int: the length of the latest run of consecutive events that all match",
    ),
    ("since", "since(t)", "duration: `now - t`"),
    (
        "sample",
        "sample(10%, \"salt\")",
        "bool: a stable random fraction of profiles, chosen by hashing the id with the salt",
    ),
];

/// A keyword and what it means.
pub const KEYWORDS: &[(&str, &str)] = &[
    (
        "profile",
        "`profile { field: type ... }` declares the fields of a profile",
    ),
    (
        "event",
        "`event name { property: type ... }` declares an event type; every event also has `at: time`",
    ),
    (
        "let",
        "`let name = constant` names a value or a list known when the rules are checked",
    ),
    (
        "tag",
        "`tag name = expr` a condition or a value computed for every profile",
    ),
    (
        "segment",
        "`segment name = condition` an audience; `,` at the top means AND",
    ),
    (
        "channel",
        "`channel name when condition` a way to reach the profiles the condition selects",
    ),
    (
        "trigger",
        "`trigger name { on ... send ... }` an event-driven procedure",
    ),
    (
        "test",
        "`test \"title\" { given {...} expect c }` a rule test run by `corral test`",
    ),
    (
        "import",
        "`import \"file.corral\"` declarations of another file, relative to this one",
    ),
    (
        "timezone",
        "`timezone \"Asia/Shanghai\"` the zone of clock times",
    ),
    (
        "limit",
        "`limit N per D` at most N sends per profile in any window of D",
    ),
    ("and", "both conditions hold"),
    ("or", "either condition holds"),
    (
        "not",
        "the condition does not hold; `not in` is the negated `in`",
    ),
    (
        "in",
        "`x in [a, b]`, `x in list_let` or `\"item\" in some_set`",
    ),
    (
        "contains",
        "`text contains part` (substring) or `set contains item`",
    ),
    (
        "matches",
        "`text matches \"regex\"`: an unanchored regular-expression search",
    ),
    (
        "is",
        "`x is missing` / `x is present` test whether a value is there",
    ),
    (
        "missing",
        "`x is missing`: the profile has no value for `x`",
    ),
    ("present", "`x is present`: the profile has a value for `x`"),
    (
        "where",
        "filters the events of an aggregate: their properties and `at` are in scope",
    ),
    ("within", "`within D`: events with `now - D < at <= now`"),
    (
        "case",
        "`case { cond => value ... else => value }`: the first arm whose condition holds",
    ),
    (
        "else",
        "the value of a `case` when no arm holds; the other branch of `if`",
    ),
    ("true", "the bool constant"),
    ("false", "the bool constant"),
    ("now", "the evaluation's reference time"),
    (
        "start",
        "inside a trigger: when the trigger instance started",
    ),
    ("enum", "`enum(A, B, C)`: a type with the listed variants"),
    ("set", "`set<string>`: a set of strings"),
    (
        "when",
        "`when condition`: which profiles a channel reaches, or a trigger applies to",
    ),
    (
        "on",
        "`on event [where c]`, `on enter segment`, `on exit segment`, `every day at HH:MM`",
    ),
    (
        "enter",
        "`on enter segment`: when a profile enters the segment",
    ),
    (
        "exit",
        "`on exit segment`: when a profile leaves the segment",
    ),
    (
        "every",
        "`every day at HH:MM`: once a day at a local clock time",
    ),
    (
        "goal",
        "`goal condition`: the trigger instance stops once it holds",
    ),
    (
        "send",
        "`send \"message\" via channel, fallback...`: the first channel that reaches the profile",
    ),
    ("via", "the channels of a `send`, tried in order"),
    ("wait", "`wait D`: pause the trigger instance"),
    ("if", "`if condition { ... } else { ... }` in a trigger"),
    (
        "quiet",
        "`quiet 22:00..08:00`: no sends in this local clock window",
    ),
    (
        "given",
        "`given { field: value, events: [...] }`: the profile of a test",
    ),
    (
        "expect",
        "`expect condition`, or `expect [no] send \"m\" [via ch | undeliverable] [at T]`: what a test asserts",
    ),
    ("per", "`limit N per D`"),
    (
        "until",
        "`until T` in a test timeline: the clock moves to `T` and due timers fire",
    ),
    (
        "fail",
        "`at T: fail \"message\"` in a test timeline: the latest send of that message failed",
    ),
    ("no", "`expect no send \"m\"`: no such send was emitted"),
    (
        "undeliverable",
        "`expect send \"m\" undeliverable`: no channel could reach the profile",
    ),
];

/// The documentation of a keyword or function, as markdown.
pub fn doc(word: &str) -> Option<String> {
    if let Some((_, form, what)) = FUNCTIONS.iter().find(|(n, _, _)| *n == word) {
        return Some(format!("```corral\n{form}\n```\n{what}"));
    }
    KEYWORDS
        .iter()
        .find(|(k, _)| *k == word)
        .map(|(k, what)| format!("keyword `{k}`: {what}"))
}
