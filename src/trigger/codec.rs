//! The binary form of the records read and written on every event: a
//! [`ProfileRecord`], an [`Instance`] and a [`Timer`]. They are compact and decode
//! without parsing text or building maps.
//!
//! Integers are LEB128 varints (signed ones zigzag-encoded), floats 8 little-endian
//! bytes, strings and lists length-prefixed. A record starts with a tag byte of its
//! kind, so bytes of another format (a JSON record starts with `{`) are refused, never
//! misread.

use super::state::{Datum, Instance, ProfileRecord, StoredEvent, Timer, TimerKey};

/// The first byte of every binary profile record.
pub const RECORD_TAG: u8 = 0xC2;
/// The first byte of every binary instance.
const INSTANCE_TAG: u8 = 0xC3;
/// The first byte of every binary timer.
const TIMER_TAG: u8 = 0xC4;

/// Appends the record's bytes to `out`.
pub fn encode_profile(rec: &ProfileRecord, out: &mut Vec<u8>) {
    out.push(RECORD_TAG);
    put_len(out, rec.fields.len());
    for d in &rec.fields {
        put_datum(out, d);
    }
    put_len(out, rec.events.len());
    // Event times are sorted: each is stored as the step from the one before.
    let mut prev = 0i64;
    for e in &rec.events {
        put_u64(out, u64::from(e.event));
        put_i64(out, e.at.wrapping_sub(prev));
        prev = e.at;
        put_len(out, e.props.len());
        for d in &e.props {
            put_datum(out, d);
        }
    }
    put_len(out, rec.segments.len());
    for s in &rec.segments {
        out.push(match s {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        });
    }
    put_len(out, rec.instances.len());
    for &i in &rec.instances {
        put_u64(out, i);
    }
    put_len(out, rec.starts.len());
    for starts in &rec.starts {
        put_times(out, starts);
    }
    put_len(out, rec.started.len());
    for &n in &rec.started {
        put_u64(out, u64::from(n));
    }
    put_times(out, &rec.sends);
    put_timer_key(out, rec.check);
}

/// Reads a record written by [`encode_profile`].
pub fn decode_profile(bytes: &[u8]) -> Result<ProfileRecord, String> {
    let mut r = Reader::tagged(bytes, RECORD_TAG)?;
    let mut rec = ProfileRecord::default();
    let n = r.len()?;
    rec.fields = (0..n).map(|_| r.datum()).collect::<Result<_, _>>()?;
    let n = r.len()?;
    rec.events.reserve(n);
    let mut prev = 0i64;
    for _ in 0..n {
        let event = r.u32()?;
        let at = prev.wrapping_add(r.i64()?);
        prev = at;
        let k = r.len()?;
        let props = (0..k).map(|_| r.datum()).collect::<Result<_, _>>()?;
        rec.events.push(StoredEvent { event, at, props });
    }
    let n = r.len()?;
    rec.segments = (0..n)
        .map(|_| match r.byte()? {
            0 => Ok(None),
            1 => Ok(Some(false)),
            2 => Ok(Some(true)),
            b => Err(format!("bad membership byte {b}")),
        })
        .collect::<Result<_, _>>()?;
    let n = r.len()?;
    rec.instances = (0..n).map(|_| r.u64()).collect::<Result<_, _>>()?;
    let n = r.len()?;
    rec.starts = (0..n).map(|_| r.times()).collect::<Result<_, _>>()?;
    let n = r.len()?;
    rec.started = (0..n).map(|_| r.u32()).collect::<Result<_, _>>()?;
    rec.sends = r.times()?;
    rec.check = r.timer_key()?;
    r.end()?;
    Ok(rec)
}

pub fn encode_instance(inst: &Instance, out: &mut Vec<u8>) {
    out.push(INSTANCE_TAG);
    put_u64(out, inst.id);
    put_u64(out, u64::from(inst.trigger));
    put_str(out, &inst.profile);
    put_u64(out, u64::from(inst.number));
    put_i64(out, inst.start);
    put_len(out, inst.pc);
    put_timer_key(out, inst.timer);
}

pub fn decode_instance(bytes: &[u8]) -> Result<Instance, String> {
    let mut r = Reader::tagged(bytes, INSTANCE_TAG)?;
    let inst = Instance {
        id: r.u64()?,
        trigger: r.u32()?,
        profile: r.str()?.into(),
        number: r.u32()?,
        start: r.i64()?,
        pc: usize::try_from(r.u64()?).map_err(|_| "step out of range".to_string())?,
        timer: r.timer_key()?,
    };
    r.end()?;
    Ok(inst)
}

pub fn encode_timer(timer: &Timer, out: &mut Vec<u8>) {
    out.push(TIMER_TAG);
    match timer {
        Timer::Resume(id) => {
            out.push(0);
            put_u64(out, *id);
        }
        Timer::Check(profile) => {
            out.push(1);
            put_str(out, profile);
        }
        Timer::Daily(i) => {
            out.push(2);
            put_u64(out, u64::from(*i));
        }
        Timer::Fallback(action) => {
            out.push(3);
            put_str(out, action);
        }
    }
}

pub fn decode_timer(bytes: &[u8]) -> Result<Timer, String> {
    let mut r = Reader::tagged(bytes, TIMER_TAG)?;
    let timer = match r.byte()? {
        0 => Timer::Resume(r.u64()?),
        1 => Timer::Check(r.str()?.into()),
        2 => Timer::Daily(r.u32()?),
        3 => Timer::Fallback(r.str()?.into()),
        k => return Err(format!("unknown timer kind {k}")),
    };
    r.end()?;
    Ok(timer)
}

fn put_timer_key(out: &mut Vec<u8>, key: Option<TimerKey>) {
    match key {
        None => out.push(0),
        Some((at, seq)) => {
            out.push(1);
            put_i64(out, at);
            put_u64(out, seq);
        }
    }
}

fn put_u64(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_i64(out: &mut Vec<u8>, v: i64) {
    put_u64(out, ((v << 1) ^ (v >> 63)) as u64);
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    put_u64(out, n as u64);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// Sorted-ish times as deltas from the previous one: small varints.
fn put_times(out: &mut Vec<u8>, times: &[i64]) {
    put_len(out, times.len());
    let mut prev = 0i64;
    for &t in times {
        put_i64(out, t.wrapping_sub(prev));
        prev = t;
    }
}

fn put_datum(out: &mut Vec<u8>, d: &Datum) {
    match d {
        Datum::Missing => out.push(0),
        Datum::Bool(false) => out.push(1),
        Datum::Bool(true) => out.push(2),
        Datum::Int(i) => {
            out.push(3);
            put_i64(out, *i);
        }
        Datum::Float(f) => {
            out.push(4);
            out.extend_from_slice(&f.to_le_bytes());
        }
        Datum::Time(t) => {
            out.push(5);
            put_i64(out, *t);
        }
        Datum::Duration(d) => {
            out.push(6);
            put_i64(out, *d);
        }
        Datum::Str(s) => {
            out.push(7);
            put_str(out, s);
        }
        Datum::Enum(v) => {
            out.push(8);
            put_u64(out, u64::from(*v));
        }
        Datum::Set(items) => {
            out.push(9);
            put_len(out, items.len());
            for s in items {
                put_str(out, s);
            }
        }
    }
}

struct Reader<'b> {
    bytes: &'b [u8],
    pos: usize,
}

impl<'b> Reader<'b> {
    /// A reader after the record's tag, which must be `tag`.
    fn tagged(bytes: &'b [u8], tag: u8) -> Result<Reader<'b>, String> {
        let mut r = Reader { bytes, pos: 0 };
        match r.byte()? {
            b if b == tag => Ok(r),
            b'{' => Err("a JSON record of an older state format".into()),
            other => Err(format!("unknown record tag {other:#04x}")),
        }
    }

    fn end(&self) -> Result<(), String> {
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err("trailing bytes after the record".into())
        }
    }

    fn timer_key(&mut self) -> Result<Option<TimerKey>, String> {
        Ok(match self.byte()? {
            0 => None,
            1 => Some((self.i64()?, self.u64()?)),
            b => return Err(format!("bad timer key byte {b}")),
        })
    }

    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.bytes.get(self.pos).ok_or("record cut short")?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&'b [u8], String> {
        let end = self.pos.checked_add(n).ok_or("record cut short")?;
        let slice = self.bytes.get(self.pos..end).ok_or("record cut short")?;
        self.pos = end;
        Ok(slice)
    }

    fn u64(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("varint too long".into())
    }

    fn u32(&mut self) -> Result<u32, String> {
        u32::try_from(self.u64()?).map_err(|_| "number out of range".to_string())
    }

    fn i64(&mut self) -> Result<i64, String> {
        let z = self.u64()?;
        Ok(((z >> 1) as i64) ^ -((z & 1) as i64))
    }

    /// A length, bounded by the bytes left so a corrupt one cannot ask for a huge
    /// allocation (every element takes at least one byte).
    fn len(&mut self) -> Result<usize, String> {
        let n = self.u64()?;
        let left = (self.bytes.len() - self.pos) as u64;
        if n > left {
            return Err("length past the end of the record".into());
        }
        Ok(n as usize)
    }

    fn str(&mut self) -> Result<Box<str>, String> {
        let n = self.len()?;
        let bytes = self.take(n)?;
        std::str::from_utf8(bytes)
            .map(Into::into)
            .map_err(|_| "a string is not UTF-8".to_string())
    }

    fn times(&mut self) -> Result<Vec<i64>, String> {
        let n = self.len()?;
        let mut prev = 0i64;
        (0..n)
            .map(|_| {
                prev = prev.wrapping_add(self.i64()?);
                Ok(prev)
            })
            .collect()
    }

    fn datum(&mut self) -> Result<Datum, String> {
        Ok(match self.byte()? {
            0 => Datum::Missing,
            1 => Datum::Bool(false),
            2 => Datum::Bool(true),
            3 => Datum::Int(self.i64()?),
            4 => {
                let b = self.take(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                Datum::Float(f64::from_le_bytes(a))
            }
            5 => Datum::Time(self.i64()?),
            6 => Datum::Duration(self.i64()?),
            7 => Datum::Str(self.str()?),
            8 => Datum::Enum(self.u32()?),
            9 => {
                let n = self.len()?;
                Datum::Set((0..n).map(|_| self.str()).collect::<Result<_, _>>()?)
            }
            tag => return Err(format!("unknown value tag {tag}")),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn sample() -> ProfileRecord {
        ProfileRecord {
            fields: vec![
                Datum::Bool(true),
                Datum::Missing,
                Datum::Int(-42),
                Datum::Float(59.5),
                Datum::Time(1_790_000_000_000_000),
                Datum::Duration(3_600_000_000),
                Datum::Str("138 0000 0001".into()),
                Datum::Enum(2),
                Datum::Set(vec!["a".into(), "é".into()]),
            ],
            events: vec![
                StoredEvent {
                    event: 1,
                    at: 1_790_000_000_000_000,
                    props: vec![Datum::Str("SKU-1".into()), Datum::Float(59.0)],
                },
                StoredEvent {
                    event: 0,
                    at: 1_790_000_050_000_000,
                    props: vec![],
                },
                // Out of order or at the extremes still round-trips.
                StoredEvent {
                    event: 2,
                    at: i64::MIN,
                    props: vec![Datum::Missing, Datum::Int(1)],
                },
                StoredEvent {
                    event: 2,
                    at: i64::MAX,
                    props: vec![],
                },
            ],
            segments: vec![None, Some(true), Some(false)],
            instances: vec![7, 300],
            starts: vec![vec![], vec![5, 9, i64::MIN, i64::MAX]],
            started: vec![0, 3],
            sends: vec![1_790_000_000_000_000],
            check: Some((1_790_000_100_000_000, 12)),
        }
    }

    #[test]
    fn a_record_round_trips() {
        let rec = sample();
        let mut bytes = Vec::new();
        encode_profile(&rec, &mut bytes);
        assert_eq!(decode_profile(&bytes).unwrap(), rec);
        let empty = ProfileRecord::default();
        bytes.clear();
        encode_profile(&empty, &mut bytes);
        assert_eq!(decode_profile(&bytes).unwrap(), empty);
    }

    #[test]
    fn instances_and_timers_round_trip() {
        let inst = Instance {
            id: 9,
            trigger: 2,
            profile: "u1".into(),
            number: 3,
            start: -5,
            pc: 4,
            timer: Some((100, 7)),
        };
        let mut bytes = Vec::new();
        encode_instance(&inst, &mut bytes);
        assert_eq!(decode_instance(&bytes).unwrap(), inst);
        for timer in [
            Timer::Resume(1),
            Timer::Check("u1".into()),
            Timer::Daily(3),
            Timer::Fallback("t:1:0:1:u1".into()),
        ] {
            bytes.clear();
            encode_timer(&timer, &mut bytes);
            assert_eq!(decode_timer(&bytes).unwrap(), timer);
            assert!(decode_instance(&bytes).is_err());
        }
    }

    #[test]
    fn a_json_record_is_refused_not_misread() {
        let err = decode_profile(br#"{"fields":{},"events":[]}"#).unwrap_err();
        assert!(err.contains("older state format"), "{err}");
    }

    #[test]
    fn every_truncation_or_corruption_is_an_error_not_a_panic() {
        let mut bytes = Vec::new();
        encode_profile(&sample(), &mut bytes);
        for cut in 0..bytes.len() {
            assert!(decode_profile(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        for i in 1..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0xFF;
            // Either an error or some record: never a panic or a huge allocation.
            let _ = decode_profile(&bad);
        }
    }
}
