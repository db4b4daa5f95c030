//! Layered calendars: a department's hours on the national calendar, in code and in files.

use hotline_calendar::{Calendar, CalendarError, CalendarSpec, DayKind};
use jiff::Timestamp;
use jiff::civil::date;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

const DEPARTMENT: &str = r#"
name = "12345 hotline, complaints desk"
[weekly]
mon = ["08:30-12:00", "13:30-18:00"]
sat = ["09:00-12:00"]

[[exception]]
date = 2026-10-03
name = "National Day duty"
hours = ["09:00-12:00"]

[[workday]]
date = 2026-10-10
hours = ["10:00-11:00"]
"#;

fn layered() -> Calendar {
    let national = CalendarSpec::from_toml(hotline_calendar::bundled::CHINA).unwrap();
    let department = CalendarSpec::from_toml(DEPARTMENT).unwrap();
    Calendar::from_layers(vec![national, department]).unwrap()
}

#[test]
fn the_top_layer_wins_date_by_date() {
    let cal = layered();
    assert_eq!(cal.name(), "12345 hotline, complaints desk");
    assert_eq!(cal.time_zone_name(), "Asia/Shanghai");
    // Monday takes the department's hours, Tuesday keeps the national ones.
    assert_eq!(cal.day(date(2026, 11, 23)).hours.to_string(), "08:30-12:00, 13:30-18:00");
    assert_eq!(cal.day(date(2026, 11, 24)).hours.to_string(), "09:00-12:00, 13:00-17:00");
    // Saturday mornings are open, but not on a national holiday.
    assert!(cal.is_open(ts("2026-11-28T10:00:00+08:00")));
    assert_eq!(cal.day(date(2026, 10, 3)).kind, DayKind::Exception);
    assert!(cal.is_open(ts("2026-10-03T10:00:00+08:00")));
    assert_eq!(cal.day(date(2026, 10, 4)).kind, DayKind::Holiday);
    assert!(!cal.is_open(ts("2026-05-02T10:00:00+08:00")));
    // The department's make-up day replaces the national one's hours.
    assert_eq!(cal.day(date(2026, 10, 10)).hours.to_string(), "10:00-11:00");
    // A national make-up day takes the national `workday_hours`.
    assert_eq!(cal.day(date(2026, 9, 20)).hours.to_string(), "09:00-12:00, 13:00-17:00");
}

#[test]
fn files_extend_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cn.toml"), hotline_calendar::bundled::CHINA).unwrap();
    std::fs::create_dir(dir.path().join("dept")).unwrap();
    let dept = dir.path().join("dept/complaints.toml");
    std::fs::write(&dept, format!("extends = \"../cn.toml\"\n{DEPARTMENT}")).unwrap();
    let cal = Calendar::load(&dept).unwrap();
    assert_eq!(cal.layers().len(), 2);
    assert_eq!(cal.day(date(2026, 10, 10)).hours.to_string(), "10:00-11:00");
    assert_eq!(cal.day(date(2026, 10, 1)).kind, DayKind::Holiday);

    // A loop is refused.
    let a = dir.path().join("a.toml");
    let b = dir.path().join("b.toml");
    std::fs::write(&a, "extends = \"b.toml\"\n").unwrap();
    std::fs::write(&b, "extends = \"a.toml\"\n").unwrap();
    assert!(matches!(Calendar::load(&a), Err(CalendarError::LayerLoop { .. })));

    // A missing file names itself; a bad one names file, line, column and field.
    assert!(matches!(Calendar::load(dir.path().join("none.toml")), Err(CalendarError::Io { .. })));
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "time_zone = \"Asia/Shanghai\"\n[weekly]\ntue = [\"9:00-12:00\"]\n")
        .unwrap();
    let message = Calendar::load(&bad).unwrap_err().to_string();
    assert!(
        message.starts_with(&format!("{}: line 3, column 8, field `weekly.tue`", bad.display())),
        "{message}"
    );
    assert!(message.contains("`9:00` is not a time of day"), "{message}");
}

#[test]
fn a_calendar_needs_a_time_zone() {
    let spec = CalendarSpec::from_toml("[weekly]\nmon = [\"09:00-17:00\"]\n").unwrap();
    assert!(matches!(Calendar::from_spec(spec), Err(CalendarError::NoTimeZone)));
}
