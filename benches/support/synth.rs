//! Deterministic synthetic profiles of the shape of `tools/gen_profiles.py` (the profile
//! schema of LANGUAGE.md section 1, about 14 events per profile), for benchmarks.
//!
//! Profile `n` of seed `s` depends only on `(s, n)`, so any prefix, chunk or sink (a
//! [`ProfilesBuilder`], NDJSON, Parquet) sees the same profiles. The distributions are
//! those of the Python generator; the random stream is not (it uses SplitMix64).
//!
//! Fields and event types are matched to the schema by name; what the schema does not
//! declare is left out of the builder, and a categorical field may be declared
//! `string` or `enum(...)`. The files always carry the whole shape.
#![allow(dead_code)] // each bench uses a part

use std::io::Write;
use std::sync::Arc;

use corral::data::{DataError, Profiles, ProfilesBuilder};
use corral::schema::{EventId, FieldId, PropId, Schema, Type};
use corral::value::Value;

/// The reference time of the data, 2026-11-22T00:00:00Z, in microseconds.
pub const NOW: i64 = days_from_civil(2026, 11, 22) * DAY;
/// `--now` for the CLI.
pub const NOW_TEXT: &str = "2026-11-22T00:00:00Z";

const SECOND: i64 = 1_000_000;
const DAY: i64 = 86_400 * SECOND;

pub const GENDERS: [&str; 3] = ["F", "M", "U"];
pub const PROVINCES: [&str; 10] = [
    "上海", "江苏", "浙江", "广东", "北京", "四川", "湖北", "山东", "福建", "河南",
];
pub const PLATFORMS: [&str; 3] = ["ios", "android", "web"];
pub const INTERESTS: [&str; 6] = ["母婴", "美妆", "数码", "运动", "食品", "家居"];
pub const CATEGORIES: [&str; 5] = ["母婴", "美妆", "数码", "运动", "食品"];
pub const COUPONS: [&str; 3] = ["CART10", "NEW20", "VIP50"];
pub const EVENT_TYPES: [&str; 5] = ["add_cart", "pay", "article_view", "login", "coupon_redeem"];
const SKU_COUNT: usize = 40;

/// SplitMix64: small, fast, and good enough for test data.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// The stream of profile `n` under `seed`.
    pub fn for_profile(seed: u64, n: u64) -> Rng {
        let mut rng = Rng(seed ^ n.wrapping_mul(0xD1B5_4A32_D192_ED03));
        rng.next_u64();
        rng
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An index drawn with the given weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(u64::from(total)) as u32;
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

/// Rounds to cents, as `round(x, 2)` does.
fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    AddCart,
    Pay,
    ArticleView,
    Login,
    CouponRedeem,
}

impl Kind {
    pub fn name(self) -> &'static str {
        EVENT_TYPES[self as usize]
    }
}

/// One event; only the properties of its kind are meaningful.
#[derive(Copy, Clone, Debug)]
pub struct Event {
    pub kind: Kind,
    pub at: i64,
    /// `SKU-{sku+1}` (add_cart).
    pub sku: u8,
    pub price: f64,
    pub amount: f64,
    /// Index into [`COUPONS`] (pay: optional; coupon_redeem: always).
    pub coupon: Option<u8>,
    /// Index into [`CATEGORIES`] (article_view).
    pub category: u8,
}

/// One profile; categorical fields are indexes into the constant tables above.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    pub n: u64,
    pub gender: u8,
    pub age: Option<i64>,
    pub province: u8,
    pub platform: u8,
    pub wechat_login: bool,
    pub follows_oa: bool,
    pub wecom_friend: bool,
    pub paid: bool,
    /// The ten digits after the leading `1`.
    pub phone: Option<u64>,
    pub vip_level: i64,
    pub balance: f64,
    pub signup_at: i64,
    pub last_login_at: Option<i64>,
    /// Indexes into [`INTERESTS`], ascending.
    pub interests: Vec<u8>,
    /// Sorted by `at` (stable).
    pub events: Vec<Event>,
}

impl Profile {
    /// Fills `self` with profile `n` of `seed`, reusing its allocations.
    pub fn generate(&mut self, seed: u64, n: u64) {
        let rng = &mut Rng::for_profile(seed, n);
        self.n = n;
        self.signup_at = NOW - rng.below(400 * 86_400) as i64 * SECOND;
        self.gender = rng.weighted(&[48, 45, 7]) as u8;
        self.province = rng.below(PROVINCES.len() as u64) as u8;
        self.platform = rng.weighted(&[40, 50, 10]) as u8;
        self.wechat_login = rng.chance(0.6);
        self.follows_oa = rng.chance(0.45);
        self.wecom_friend = rng.chance(0.3);
        self.paid = rng.chance(0.35);
        self.vip_level = rng.weighted(&[40, 25, 15, 10, 6, 4]) as i64;
        self.balance = cents(rng.unit().powi(3) * 5000.0);
        // A sample of k distinct interests, k weighted 30/40/20/10 over 0..=3.
        let k = rng.weighted(&[30, 40, 20, 10]);
        let mut pool: [u8; 6] = [0, 1, 2, 3, 4, 5];
        for i in 0..k {
            let j = i + rng.below((pool.len() - i) as u64) as usize;
            pool.swap(i, j);
        }
        self.interests.clear();
        self.interests.extend_from_slice(&pool[..k]);
        self.interests.sort_unstable();
        self.age = rng.chance(0.93).then(|| 16 + rng.below(55) as i64);
        self.phone = rng.chance(0.8).then(|| rng.below(10_000_000_000));
        self.last_login_at = rng.chance(0.9).then(|| {
            let span = ((NOW - self.signup_at) / SECOND).max(1);
            NOW - (span as f64 * rng.unit().powi(2)) as i64 * SECOND
        });
        let mut count_weights = [3u32; 31];
        count_weights[0] = 12;
        let count = rng.weighted(&count_weights);
        self.events.clear();
        for _ in 0..count {
            let at = NOW - rng.below(180 * 86_400) as i64 * SECOND;
            let kind = match rng.weighted(&[25, 12, 35, 23, 5]) {
                0 => Kind::AddCart,
                1 => Kind::Pay,
                2 => Kind::ArticleView,
                3 => Kind::Login,
                _ => Kind::CouponRedeem,
            };
            let mut e = Event {
                kind,
                at,
                sku: 0,
                price: 0.0,
                amount: 0.0,
                coupon: None,
                category: 0,
            };
            match kind {
                Kind::AddCart => {
                    e.sku = rng.below(SKU_COUNT as u64) as u8;
                    e.price = cents(5.0 + rng.unit() * 795.0);
                }
                Kind::Pay => {
                    e.amount = cents(5.0 + rng.unit() * 1495.0);
                    if rng.chance(0.3) {
                        e.coupon = Some(rng.below(3) as u8);
                    }
                }
                Kind::ArticleView => e.category = rng.below(CATEGORIES.len() as u64) as u8,
                Kind::CouponRedeem => e.coupon = Some(rng.below(3) as u8),
                Kind::Login => {}
            }
            self.events.push(e);
        }
        self.events.sort_by_key(|e| e.at);
    }
}

/// Profiles `0..n` of `seed` in memory, for `schema`.
pub fn profiles(schema: &Schema, n: usize, seed: u64) -> Result<Profiles, DataError> {
    let mut builder = ProfilesBuilder::new(schema);
    let writer = BuilderSink::new(schema);
    let mut p = Profile::default();
    for i in 0..n as u64 {
        p.generate(seed, i);
        writer.add(&mut builder, &p)?;
    }
    Ok(builder.finish())
}

/// Values for one categorical field or property, by option index, in its declared type.
#[derive(Debug)]
struct Options(Vec<Value>);

impl Options {
    fn new(schema: &Schema, ty: Type, names: &[String]) -> Option<Options> {
        let values = match ty {
            Type::Str => names
                .iter()
                .map(|s| Value::Str(Arc::from(s.as_str())))
                .collect(),
            Type::Enum(e) => {
                let def = schema.enum_def(e);
                names
                    .iter()
                    .map(|s| def.variant(s).map_or(Value::Missing, |v| Value::Enum(e, v)))
                    .collect()
            }
            _ => return None,
        };
        Some(Options(values))
    }

    fn get(&self, i: u8) -> &Value {
        self.0.get(usize::from(i)).unwrap_or(&Value::Missing)
    }
}

fn names(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Field and event ids of a schema, resolved once.
#[derive(Debug)]
struct BuilderSink {
    gender: Option<(FieldId, Options)>,
    province: Option<(FieldId, Options)>,
    platform: Option<(FieldId, Options)>,
    age: Option<FieldId>,
    wechat_login: Option<FieldId>,
    follows_oa: Option<FieldId>,
    wecom_friend: Option<FieldId>,
    paid: Option<FieldId>,
    phone: Option<FieldId>,
    vip_level: Option<FieldId>,
    balance: Option<FieldId>,
    signup_at: Option<FieldId>,
    last_login_at: Option<FieldId>,
    interests: Option<(FieldId, Vec<Arc<str>>)>,
    /// Per [`Kind`]: the event id and its properties' ids.
    events: [Option<EventIds>; 5],
}

#[derive(Debug)]
struct EventIds {
    id: EventId,
    sku: Option<(PropId, Options)>,
    price: Option<PropId>,
    amount: Option<PropId>,
    coupon: Option<(PropId, Options)>,
    category: Option<(PropId, Options)>,
}

impl BuilderSink {
    fn new(schema: &Schema) -> BuilderSink {
        let field =
            |name: &str, ty: Type| schema.field(name).filter(|f| schema.field_def(*f).ty == ty);
        let categorical = |name: &str, options: &[String]| {
            let id = schema.field(name)?;
            Some((id, Options::new(schema, schema.field_def(id).ty, options)?))
        };
        let skus: Vec<String> = (1..=SKU_COUNT).map(|i| format!("SKU-{i}")).collect();
        let events = std::array::from_fn(|k| {
            let id = schema.event(EVENT_TYPES[k])?;
            let def = schema.event_def(id);
            let prop =
                |name: &str, ty: Type| def.prop(name).filter(|p| def.props[p.0 as usize].ty == ty);
            let categorical = |name: &str, options: &[String]| {
                let p = def.prop(name)?;
                Some((
                    p,
                    Options::new(schema, def.props[p.0 as usize].ty, options)?,
                ))
            };
            Some(EventIds {
                id,
                sku: categorical("sku", &skus),
                price: prop("price", Type::Float),
                amount: prop("amount", Type::Float),
                coupon: categorical("coupon", &names(&COUPONS)),
                category: categorical("category", &names(&CATEGORIES)),
            })
        });
        BuilderSink {
            gender: categorical("gender", &names(&GENDERS)),
            province: categorical("province", &names(&PROVINCES)),
            platform: categorical("platform", &names(&PLATFORMS)),
            age: field("age", Type::Int),
            wechat_login: field("wechat_login", Type::Bool),
            follows_oa: field("follows_oa", Type::Bool),
            wecom_friend: field("wecom_friend", Type::Bool),
            paid: field("paid", Type::Bool),
            phone: field("phone", Type::Str),
            vip_level: field("vip_level", Type::Int),
            balance: field("balance", Type::Float),
            signup_at: field("signup_at", Type::Time),
            last_login_at: field("last_login_at", Type::Time),
            interests: field("interests", Type::StrSet)
                .map(|f| (f, INTERESTS.iter().map(|s| Arc::from(*s)).collect())),
            events,
        }
    }

    fn add(&self, builder: &mut ProfilesBuilder<'_>, p: &Profile) -> Result<(), DataError> {
        let mut row = builder.profile(&format!("u{}", p.n));
        let set = |row: &mut corral::data::ProfileRow<'_, '_>, f: Option<FieldId>, v: Value| match f
        {
            Some(f) => row.set(f, &v),
            None => Ok(()),
        };
        if let Some((f, o)) = &self.gender {
            row.set(*f, o.get(p.gender))?;
        }
        if let Some((f, o)) = &self.province {
            row.set(*f, o.get(p.province))?;
        }
        if let Some((f, o)) = &self.platform {
            row.set(*f, o.get(p.platform))?;
        }
        set(&mut row, self.age, p.age.map_or(Value::Missing, Value::Int))?;
        set(&mut row, self.wechat_login, Value::Bool(p.wechat_login))?;
        set(&mut row, self.follows_oa, Value::Bool(p.follows_oa))?;
        set(&mut row, self.wecom_friend, Value::Bool(p.wecom_friend))?;
        set(&mut row, self.paid, Value::Bool(p.paid))?;
        if let (Some(f), Some(phone)) = (self.phone, p.phone) {
            row.set(f, &Value::Str(Arc::from(format!("1{phone:010}"))))?;
        }
        set(&mut row, self.vip_level, Value::Int(p.vip_level))?;
        set(&mut row, self.balance, Value::Float(p.balance))?;
        set(&mut row, self.signup_at, Value::Time(p.signup_at))?;
        set(
            &mut row,
            self.last_login_at,
            p.last_login_at.map_or(Value::Missing, Value::Time),
        )?;
        if let Some((f, all)) = &self.interests {
            let items: Vec<Arc<str>> = p
                .interests
                .iter()
                .map(|&i| all[usize::from(i)].clone())
                .collect();
            row.set(*f, &Value::StrSet(items.into()))?;
        }
        let mut props: Vec<(PropId, Value)> = Vec::with_capacity(2);
        for e in &p.events {
            let Some(ids) = &self.events[e.kind as usize] else {
                continue;
            };
            props.clear();
            match e.kind {
                Kind::AddCart => {
                    if let Some((prop, o)) = &ids.sku {
                        props.push((*prop, o.get(e.sku).clone()));
                    }
                    if let Some(prop) = ids.price {
                        props.push((prop, Value::Float(e.price)));
                    }
                }
                Kind::Pay => {
                    if let Some(prop) = ids.amount {
                        props.push((prop, Value::Float(e.amount)));
                    }
                    if let (Some((prop, o)), Some(c)) = (&ids.coupon, e.coupon) {
                        props.push((*prop, o.get(c).clone()));
                    }
                }
                Kind::ArticleView => {
                    if let Some((prop, o)) = &ids.category {
                        props.push((*prop, o.get(e.category).clone()));
                    }
                }
                Kind::CouponRedeem => {
                    if let (Some((prop, o)), Some(c)) = (&ids.coupon, e.coupon) {
                        props.push((*prop, o.get(c).clone()));
                    }
                }
                Kind::Login => {}
            }
            row.event(ids.id, e.at, &props)?;
        }
        row.finish()
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DDTHH:MM:SSZ` of whole-second microseconds since the epoch.
fn write_time(out: &mut Vec<u8>, micros: i64) {
    let secs = micros.div_euclid(SECOND);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil_from_days
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let _ = write!(
        out,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
}

/// One profile as a JSON line, as `gen_profiles.py` writes it (no escaping is needed:
/// no generated string holds a quote or a backslash).
pub fn write_json_line(out: &mut Vec<u8>, p: &Profile) {
    let b = |v: bool| if v { "true" } else { "false" };
    let _ = write!(
        out,
        r#"{{"id":"u{}","gender":"{}","province":"{}","platform":"{}","wechat_login":{},"follows_oa":{},"wecom_friend":{},"paid":{},"vip_level":{},"balance":{:?},"signup_at":""#,
        p.n,
        GENDERS[usize::from(p.gender)],
        PROVINCES[usize::from(p.province)],
        PLATFORMS[usize::from(p.platform)],
        b(p.wechat_login),
        b(p.follows_oa),
        b(p.wecom_friend),
        b(p.paid),
        p.vip_level,
        p.balance,
    );
    write_time(out, p.signup_at);
    out.extend_from_slice(br#"","interests":["#);
    for (i, &interest) in p.interests.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let _ = write!(out, "\"{}\"", INTERESTS[usize::from(interest)]);
    }
    out.push(b']');
    if let Some(age) = p.age {
        let _ = write!(out, r#","age":{age}"#);
    }
    if let Some(phone) = p.phone {
        let _ = write!(out, r#","phone":"1{phone:010}""#);
    }
    if let Some(t) = p.last_login_at {
        out.extend_from_slice(br#","last_login_at":""#);
        write_time(out, t);
        out.push(b'"');
    }
    out.extend_from_slice(br#","events":["#);
    for (i, e) in p.events.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let _ = write!(out, r#"{{"type":"{}","at":""#, e.kind.name());
        write_time(out, e.at);
        out.push(b'"');
        match e.kind {
            Kind::AddCart => {
                let _ = write!(out, r#","sku":"SKU-{}","price":{:?}"#, e.sku + 1, e.price);
            }
            Kind::Pay => {
                let _ = write!(out, r#","amount":{:?}"#, e.amount);
                if let Some(c) = e.coupon {
                    let _ = write!(out, r#","coupon":"{}""#, COUPONS[usize::from(c)]);
                }
            }
            Kind::ArticleView => {
                let _ = write!(
                    out,
                    r#","category":"{}""#,
                    CATEGORIES[usize::from(e.category)]
                );
            }
            Kind::CouponRedeem => {
                let c = e.coupon.unwrap_or(0);
                let _ = write!(out, r#","coupon":"{}""#, COUPONS[usize::from(c)]);
            }
            Kind::Login => {}
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}\n");
}

/// Writes profiles `0..n` of `seed` as NDJSON.
pub fn write_ndjson(out: impl Write, n: usize, seed: u64) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    let mut line = Vec::with_capacity(4096);
    let mut p = Profile::default();
    for i in 0..n as u64 {
        p.generate(seed, i);
        line.clear();
        write_json_line(&mut line, &p);
        out.write_all(&line)?;
    }
    out.flush()
}

/// Writes profiles `0..n` of `seed` as Parquet: the NDJSON shape with typed columns
/// (times as microsecond timestamps, `events` a list of structs with every property,
/// null where an event lacks it), snappy-compressed, `rows_per_group` profiles per
/// row group.
pub fn write_parquet(
    out: impl Write + Send,
    n: usize,
    seed: u64,
    rows_per_group: usize,
) -> Result<(), parquet::errors::ParquetError> {
    use parquet::arrow::ArrowWriter;
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;

    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(rows_per_group.max(1)))
        .build();
    let schema = parquet_schema();
    let mut writer = ArrowWriter::try_new(out, schema.clone(), Some(props))?;
    let mut p = Profile::default();
    let chunk = rows_per_group.clamp(1, 1 << 16);
    let mut start = 0;
    while start < n {
        let end = (start + chunk).min(n);
        let mut batch = ParquetBatch::default();
        for i in start..end {
            p.generate(seed, i as u64);
            batch.push(&p);
        }
        writer.write(&batch.finish(&schema)?)?;
        start = end;
    }
    writer.close()?;
    Ok(())
}

mod arrow_shape {
    use std::sync::Arc;

    use arrow_schema::{DataType, Field, Fields, Schema, TimeUnit};

    pub fn time() -> DataType {
        DataType::Timestamp(TimeUnit::Microsecond, None)
    }

    pub fn event_fields() -> Fields {
        Fields::from(vec![
            Field::new("type", DataType::Utf8, false),
            Field::new("at", time(), false),
            Field::new("sku", DataType::Utf8, true),
            Field::new("price", DataType::Float64, true),
            Field::new("amount", DataType::Float64, true),
            Field::new("coupon", DataType::Utf8, true),
            Field::new("category", DataType::Utf8, true),
        ])
    }

    pub fn event_item() -> Arc<Field> {
        Arc::new(Field::new("item", DataType::Struct(event_fields()), true))
    }

    pub fn interest_item() -> Arc<Field> {
        Arc::new(Field::new("item", DataType::Utf8, true))
    }

    pub fn schema() -> Arc<Schema> {
        Arc::new(Schema::new(vec![
            Field::new("id", DataType::Utf8, false),
            Field::new("gender", DataType::Utf8, false),
            Field::new("age", DataType::Int64, true),
            Field::new("province", DataType::Utf8, false),
            Field::new("platform", DataType::Utf8, false),
            Field::new("wechat_login", DataType::Boolean, false),
            Field::new("follows_oa", DataType::Boolean, false),
            Field::new("wecom_friend", DataType::Boolean, false),
            Field::new("paid", DataType::Boolean, false),
            Field::new("phone", DataType::Utf8, true),
            Field::new("vip_level", DataType::Int64, false),
            Field::new("balance", DataType::Float64, false),
            Field::new("signup_at", time(), false),
            Field::new("last_login_at", time(), true),
            Field::new("interests", DataType::List(interest_item()), false),
            Field::new("events", DataType::List(event_item()), false),
        ]))
    }
}

fn parquet_schema() -> arrow_schema::SchemaRef {
    arrow_shape::schema()
}

/// Column builders for one record batch.
#[derive(Default)]
struct ParquetBatch {
    id: arrow_array::builder::StringBuilder,
    gender: arrow_array::builder::StringBuilder,
    age: arrow_array::builder::Int64Builder,
    province: arrow_array::builder::StringBuilder,
    platform: arrow_array::builder::StringBuilder,
    wechat_login: arrow_array::builder::BooleanBuilder,
    follows_oa: arrow_array::builder::BooleanBuilder,
    wecom_friend: arrow_array::builder::BooleanBuilder,
    paid: arrow_array::builder::BooleanBuilder,
    phone: arrow_array::builder::StringBuilder,
    vip_level: arrow_array::builder::Int64Builder,
    balance: arrow_array::builder::Float64Builder,
    signup_at: arrow_array::builder::TimestampMicrosecondBuilder,
    last_login_at: arrow_array::builder::TimestampMicrosecondBuilder,
    interests: arrow_array::builder::ListBuilder<arrow_array::builder::StringBuilder>,
    /// Event list offsets (one per profile, plus the leading 0 added by `finish`).
    event_offsets: Vec<i32>,
    ev_type: arrow_array::builder::StringBuilder,
    ev_at: arrow_array::builder::TimestampMicrosecondBuilder,
    ev_sku: arrow_array::builder::StringBuilder,
    ev_price: arrow_array::builder::Float64Builder,
    ev_amount: arrow_array::builder::Float64Builder,
    ev_coupon: arrow_array::builder::StringBuilder,
    ev_category: arrow_array::builder::StringBuilder,
    events: i32,
}

impl ParquetBatch {
    fn push(&mut self, p: &Profile) {
        self.id.append_value(format!("u{}", p.n));
        self.gender.append_value(GENDERS[usize::from(p.gender)]);
        self.age.append_option(p.age);
        self.province
            .append_value(PROVINCES[usize::from(p.province)]);
        self.platform
            .append_value(PLATFORMS[usize::from(p.platform)]);
        self.wechat_login.append_value(p.wechat_login);
        self.follows_oa.append_value(p.follows_oa);
        self.wecom_friend.append_value(p.wecom_friend);
        self.paid.append_value(p.paid);
        self.phone
            .append_option(p.phone.map(|d| format!("1{d:010}")));
        self.vip_level.append_value(p.vip_level);
        self.balance.append_value(p.balance);
        self.signup_at.append_value(p.signup_at);
        self.last_login_at.append_option(p.last_login_at);
        for &i in &p.interests {
            self.interests
                .values()
                .append_value(INTERESTS[usize::from(i)]);
        }
        self.interests.append(true);
        for e in &p.events {
            self.ev_type.append_value(e.kind.name());
            self.ev_at.append_value(e.at);
            let is = |k: Kind| e.kind == k;
            self.ev_sku
                .append_option(is(Kind::AddCart).then(|| format!("SKU-{}", e.sku + 1)));
            self.ev_price
                .append_option(is(Kind::AddCart).then_some(e.price));
            self.ev_amount
                .append_option(is(Kind::Pay).then_some(e.amount));
            self.ev_coupon
                .append_option(e.coupon.map(|c| COUPONS[usize::from(c)]));
            self.ev_category
                .append_option(is(Kind::ArticleView).then(|| CATEGORIES[usize::from(e.category)]));
        }
        self.events += p.events.len() as i32;
        self.event_offsets.push(self.events);
    }

    fn finish(
        mut self,
        schema: &arrow_schema::SchemaRef,
    ) -> Result<arrow_array::RecordBatch, arrow_schema::ArrowError> {
        use arrow_array::{ArrayRef, ListArray, StructArray};

        let mut offsets = Vec::with_capacity(self.event_offsets.len() + 1);
        offsets.push(0);
        offsets.extend_from_slice(&self.event_offsets);
        let events = StructArray::try_new(
            arrow_shape::event_fields(),
            vec![
                Arc::new(self.ev_type.finish()) as ArrayRef,
                Arc::new(self.ev_at.finish()),
                Arc::new(self.ev_sku.finish()),
                Arc::new(self.ev_price.finish()),
                Arc::new(self.ev_amount.finish()),
                Arc::new(self.ev_coupon.finish()),
                Arc::new(self.ev_category.finish()),
            ],
            None,
        )?;
        let events = ListArray::try_new(
            arrow_shape::event_item(),
            arrow_buffer::OffsetBuffer::new(offsets.into()),
            Arc::new(events),
            None,
        )?;
        let interests = self.interests.finish();
        let interests = ListArray::try_new(
            arrow_shape::interest_item(),
            interests.offsets().clone(),
            interests.values().clone(),
            None,
        )?;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.id.finish()),
            Arc::new(self.gender.finish()),
            Arc::new(self.age.finish()),
            Arc::new(self.province.finish()),
            Arc::new(self.platform.finish()),
            Arc::new(self.wechat_login.finish()),
            Arc::new(self.follows_oa.finish()),
            Arc::new(self.wecom_friend.finish()),
            Arc::new(self.paid.finish()),
            Arc::new(self.phone.finish()),
            Arc::new(self.vip_level.finish()),
            Arc::new(self.balance.finish()),
            Arc::new(self.signup_at.finish()),
            Arc::new(self.last_login_at.finish()),
            Arc::new(interests),
            Arc::new(events),
        ];
        arrow_array::RecordBatch::try_new(schema.clone(), columns)
    }
}
