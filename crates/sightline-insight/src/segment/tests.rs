use super::*;

fn parse(text: &str) -> Segment {
    Segment::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn error(text: &str) -> SegmentError {
    Segment::parse(text).expect_err(text)
}

fn text(field: TextField, value: &str) -> Segment {
    Segment::Text {
        field,
        negated: false,
        values: vec![value.into()],
    }
}

#[test]
fn and_binds_tighter_than_or_and_not_tighter_than_and() {
    let s = parse(r#"device = "mobile" or channel = "email" and not visited("/cart")"#);
    assert_eq!(
        s,
        Segment::Or(vec![
            text(TextField::Device, "mobile"),
            Segment::And(vec![
                text(TextField::Channel, "email"),
                Segment::Not(Box::new(Segment::Behaviour {
                    action: Action::Visited("/cart".into()),
                    op: Cmp::Ge,
                    count: 1
                })),
            ]),
        ])
    );
    let grouped = parse(r#"(device = "mobile" OR channel = "email") AND converted"#);
    let Segment::And(parts) = grouped else {
        panic!("parentheses group the OR");
    };
    assert!(matches!(parts[0], Segment::Or(_)));
    assert_eq!(
        parts[1],
        Segment::Flag {
            field: FlagField::Converted,
            value: true
        }
    );
}

#[test]
fn behaviours_take_counts_and_numbers_take_units() {
    assert_eq!(
        parse(r##"clicked("#buy") >= 3"##),
        Segment::Behaviour {
            action: Action::Clicked("#buy".into()),
            op: Cmp::Ge,
            count: 3
        }
    );
    assert_eq!(
        parse(r#"frustration("rage_click", "/product/:id") = 0"#),
        Segment::Behaviour {
            action: Action::Frustration {
                kind: Kind::RageClick,
                page: Some("/product/:id".into())
            },
            op: Cmp::Eq,
            count: 0
        }
    );
    let duration = |t: &str| match parse(t) {
        Segment::Number { value, .. } => value,
        other => panic!("{other:?}"),
    };
    assert_eq!(duration("duration >= 30s"), 30_000.0);
    assert_eq!(duration("duration < 2m"), 120_000.0);
    assert_eq!(duration("active_time > 1500"), 1_500.0);
    assert_eq!(duration("revenue > 49.5"), 49.5);
    assert_eq!(
        parse("converted = false"),
        Segment::Flag {
            field: FlagField::Converted,
            value: false
        }
    );
    assert_eq!(
        parse("HAD_ERROR != true"),
        Segment::Flag {
            field: FlagField::HadError,
            value: false
        }
    );
}

#[test]
fn lists_traits_and_negated_text() {
    assert_eq!(
        parse(r#"device in ("mobile", 'tablet')"#),
        Segment::Text {
            field: TextField::Device,
            negated: false,
            values: vec!["mobile".into(), "tablet".into()]
        }
    );
    assert_eq!(
        parse(r#"browser not in ("Safari")"#),
        Segment::Text {
            field: TextField::Browser,
            negated: true,
            values: vec!["Safari".into()]
        }
    );
    assert_eq!(
        parse(r#"user.plan != "free""#),
        Segment::Trait {
            name: "plan".into(),
            negated: true,
            values: vec!["free".into()]
        }
    );
    assert_eq!(
        parse(r#"entry_page = "say \"hi\"""#),
        text(TextField::EntryPage, "say \"hi\"")
    );
}

#[test]
fn errors_name_the_offending_part_and_what_was_expected() {
    let e = error(r#"devise = "mobile""#);
    assert_eq!(e.column, 1);
    assert!(e.message.contains("unknown field `devise`"), "{e}");
    assert!(e.message.contains("device"), "lists the known fields: {e}");

    let e = error(r#"device = mobile"#);
    assert_eq!(e.column, 10);
    assert!(
        e.message
            .contains("expected a string in double quotes, found `mobile`"),
        "{e}"
    );

    let e = error(r#"device = "mobile" AND"#);
    assert_eq!(e.column, 22);
    assert!(e.message.contains("found the end of the expression"), "{e}");

    let e = error(r#"(device = "mobile""#);
    assert!(e.message.contains("expected `)`"), "{e}");

    let e = error(r#"device = "mobile" converted"#);
    assert_eq!(e.column, 19);
    assert!(e.message.contains("expected AND, OR"), "{e}");

    let e = error(r#"frustration("rage")"#);
    assert!(
        e.message.contains("unknown frustration kind \"rage\""),
        "{e}"
    );
    assert!(e.message.contains("rage_click"), "{e}");

    assert!(error("duration > 5d").message.contains("unknown unit `d`"));
    assert!(error("pages > 3s").message.contains("plain number"));
    assert!(
        error(r##"clicked("#a") > 1.5"##)
            .message
            .contains("whole number")
    );
    assert!(
        error(r#"visitor = "old""#)
            .message
            .contains("\"new\" or \"returning\"")
    );
    assert!(
        error(r#"device = "unclosed"#)
            .message
            .contains("not closed")
    );
    assert!(error("device ! \"x\"").message.contains("NOT to negate"));
    assert!(error("").message.contains("expected a condition"));
}

#[test]
fn limits_are_enforced() {
    let long = format!(r#"device = "{}""#, "x".repeat(MAX_SEGMENT_VALUE_LEN + 1));
    assert!(error(&long).message.contains("longer than"));
    let deep = format!(
        "{}converted{}",
        "(".repeat(MAX_SEGMENT_DEPTH + 1),
        ")".repeat(MAX_SEGMENT_DEPTH + 1)
    );
    assert!(error(&deep).message.contains("nested deeper"));
    let within = format!(
        "{}converted{}",
        "(".repeat(MAX_SEGMENT_DEPTH - 1),
        ")".repeat(MAX_SEGMENT_DEPTH - 1)
    );
    parse(&within);
    let many = vec!["converted"; MAX_SEGMENT_CONDITIONS + 1].join(" AND ");
    assert!(error(&many).message.contains("more than"));
    parse(&vec!["converted"; MAX_SEGMENT_CONDITIONS].join(" AND "));
    assert!(
        error(&"x".repeat(MAX_SEGMENT_LEN + 1))
            .message
            .contains("longer than")
    );
}

#[test]
fn conditions_lists_every_leaf() {
    let s = parse(r##"NOT (did("purchase") OR clicked("#a")) AND device = "mobile""##);
    assert_eq!(s.conditions().len(), 3);
}
