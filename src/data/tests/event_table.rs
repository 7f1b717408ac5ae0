use crate::data::EventTable;

/// Three profiles: two events, none, one.
fn table() -> EventTable {
    EventTable::new(vec![0, 2, 2, 3], vec![5, 9, -4], Vec::new())
}

#[test]
fn last_at_is_each_profiles_last_event_time() {
    let t = table();
    assert_eq!(t.last_at, [9, i64::MIN, -4]);
    assert!(t.last_at_in_step());
    let empty = EventTable::new(vec![0], Vec::new(), Vec::new());
    assert!(empty.last_at.is_empty() && empty.last_at_in_step());
}

#[test]
fn a_stale_or_short_last_at_is_out_of_step() {
    let mut t = table();
    t.at[1] = 10;
    assert!(!t.last_at_in_step(), "a last event changed");
    let mut t = table();
    t.at[0] = 6;
    assert!(t.last_at_in_step(), "an earlier event changed");
    let mut t = table();
    t.last_at.pop();
    assert!(!t.last_at_in_step(), "one time short");
    let mut t = table();
    t.last_at.push(0);
    assert!(!t.last_at_in_step(), "one time too many");
    let mut t = table();
    t.offsets[1] = 3;
    t.offsets[2] = 1;
    assert!(!t.last_at_in_step(), "offsets changed");
}

#[test]
fn sync_appends_the_times_of_profiles_added_since() {
    let mut t = table();
    t.at.extend([20, 21]);
    t.offsets.extend([3, 5]);
    t.sync_last_at();
    assert_eq!(t.last_at, [9, i64::MIN, -4, i64::MIN, 21]);
    assert!(t.last_at_in_step());
    t.sync_last_at();
    assert_eq!(t.last_at.len(), 5, "in step: nothing to add");
}

#[test]
fn offsets_out_of_range_give_no_last_time() {
    let t = EventTable::new(vec![0, 7, 2], vec![1, 2, 3], Vec::new());
    assert_eq!(t.last_at, [i64::MIN, i64::MIN]);
}
