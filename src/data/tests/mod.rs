//! Tests of the loaders, over the profile schema of LANGUAGE.md section 1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod batch;
mod builder;
mod bulk;
mod dict_hint;
mod event_table;
mod ndjson;
mod parquet;
mod parts;
mod robust;

use crate::data::Profiles;
use crate::schema::{EnumType, EventType, Field, Schema, Type};

/// Every event table's `last_at` is its profiles' last event times, as compiled code
/// reads them.
fn assert_last_at_in_step(profiles: &Profiles) {
    for (t, table) in profiles.events.iter().enumerate() {
        assert!(table.last_at_in_step(), "event table {t}");
    }
}

fn field(name: &str, ty: Type) -> Field {
    Field {
        name: name.into(),
        ty,
    }
}

fn event(name: &str, props: Vec<Field>) -> EventType {
    EventType {
        name: name.into(),
        props,
    }
}

/// The schema of LANGUAGE.md section 1, built by hand.
pub(crate) fn schema() -> Schema {
    use crate::schema::EnumId;
    let gender = Type::Enum(EnumId(0));
    let platform = Type::Enum(EnumId(1));
    Schema {
        fields: vec![
            field("gender", gender),
            field("age", Type::Int),
            field("province", Type::Str),
            field("platform", platform),
            field("wechat_login", Type::Bool),
            field("follows_oa", Type::Bool),
            field("wecom_friend", Type::Bool),
            field("paid", Type::Bool),
            field("phone", Type::Str),
            field("vip_level", Type::Int),
            field("balance", Type::Float),
            field("signup_at", Type::Time),
            field("last_login_at", Type::Time),
            field("interests", Type::StrSet),
        ],
        events: vec![
            event(
                "add_cart",
                vec![field("sku", Type::Str), field("price", Type::Float)],
            ),
            event(
                "pay",
                vec![field("amount", Type::Float), field("coupon", Type::Str)],
            ),
            event("article_view", vec![field("category", Type::Str)]),
            event("login", vec![]),
            event("coupon_redeem", vec![field("coupon", Type::Str)]),
        ],
        enums: vec![
            EnumType {
                variants: vec!["F".into(), "M".into(), "U".into()],
            },
            EnumType {
                variants: vec!["ios".into(), "android".into(), "web".into()],
            },
        ],
    }
}

/// A schema with a duration field and a duration event property (section 1 has none).
pub(crate) fn duration_schema() -> Schema {
    Schema {
        fields: vec![field("wait", Type::Duration)],
        events: vec![event("call", vec![field("length", Type::Duration)])],
        enums: vec![],
    }
}
