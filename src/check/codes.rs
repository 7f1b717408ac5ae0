//! Stable codes of the checker's diagnostics (listed in docs/diagnostics.md).

pub const UNKNOWN_NAME: &str = "corral::check::unknown_name";
pub const UNKNOWN_TYPE: &str = "corral::check::unknown_type";
pub const UNKNOWN_FUNCTION: &str = "corral::check::unknown_function";
pub const UNKNOWN_PROPERTY: &str = "corral::check::unknown_property";
pub const DUPLICATE_NAME: &str = "corral::check::duplicate_name";
pub const RESERVED_NAME: &str = "corral::check::reserved_name";
pub const CYCLE: &str = "corral::check::cycle";
pub const TYPE_MISMATCH: &str = "corral::check::type_mismatch";
pub const AMBIGUOUS_VARIANT: &str = "corral::check::ambiguous_variant";
pub const UNKNOWN_VARIANT: &str = "corral::check::unknown_variant";
pub const BAD_TIME: &str = "corral::check::bad_time";
pub const BAD_REGEX: &str = "corral::check::bad_regex";
pub const NOT_CONSTANT: &str = "corral::check::not_constant";
pub const BAD_ARGUMENTS: &str = "corral::check::bad_arguments";
pub const NESTED_AGGREGATE: &str = "corral::check::nested_aggregate";
pub const MISPLACED: &str = "corral::check::misplaced";
pub const CONFLICTING_PROFILE: &str = "corral::check::conflicting_profile";
pub const BAD_DECLARATION: &str = "corral::check::bad_declaration";
pub const UNKNOWN_TIMEZONE: &str = "corral::check::unknown_timezone";
pub const BAD_VALUE: &str = "corral::check::bad_value";
pub const IMPORT_CYCLE: &str = "corral::check::import_cycle";
pub const IMPORT_NOT_FOUND: &str = "corral::check::import_not_found";

pub const UNUSED_LET: &str = "corral::check::unused_let";
pub const UNREACHABLE_ARM: &str = "corral::check::unreachable_arm";
pub const CONSTANT_CONDITION: &str = "corral::check::constant_condition";
pub const NEVER_MATCHES: &str = "corral::check::never_matches";
pub const ALWAYS_MATCHES: &str = "corral::check::always_matches";
pub const SHADOWED_ARM: &str = "corral::check::shadowed_arm";
pub const EQUIVALENT_RULE: &str = "corral::check::equivalent_rule";
pub const REUSED_SALT: &str = "corral::check::reused_salt";

/// Every warning's code (what `corral check --deny` and `--allow` accept).
pub const WARNINGS: &[&str] = &[
    UNUSED_LET,
    UNREACHABLE_ARM,
    CONSTANT_CONDITION,
    NEVER_MATCHES,
    ALWAYS_MATCHES,
    SHADOWED_ARM,
    EQUIVALENT_RULE,
    REUSED_SALT,
];
