//! Percent columns: cells written with `%` (`27%` is the fraction 0.27), a
//! bare number refused with a help line, values outside 0%..100% refused
//! unless the column's range allows them, from a file and from a host.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use payplan_network::{
    ColumnSpec, Location, MemberRecord, Network, NetworkBuilder, NetworkError, Schema, Value,
};
use rust_decimal::Decimal;
use std::str::FromStr;

fn schema(rate: ColumnSpec) -> Schema {
    Schema {
        columns: vec![rate],
        placement: false,
        matrix: None,
    }
}

fn load(text: &str, rate: ColumnSpec) -> Result<Network, NetworkError> {
    Network::from_csv_reader(text.as_bytes(), &schema(rate))
}

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

#[test]
fn percent_cells_are_fractions_written_with_a_percent_sign() {
    let net = load(
        "id,sponsor,rate\na,,27%\nb,a,12.5%\nc,a,100%\ne,a,0%\n",
        ColumnSpec::percent("rate"),
    )
    .unwrap();
    let rate = net.column_by_name("rate").unwrap();
    let values: Vec<Value> = (0..4).map(|m| rate.get(m).unwrap()).collect();
    for want in ["0.27", "0.125", "1", "0"] {
        assert!(
            values.contains(&Value::Decimal(d(want))),
            "{want}: {values:?}"
        );
    }
}

#[test]
fn a_bare_number_is_refused_with_the_place_and_how_to_write_it() {
    for (cell, meant) in [("0.27", "`27%`"), ("27", "`27%`")] {
        let err = load(
            &format!("id,sponsor,rate\na,,5%\nb,a,{cell}\n"),
            ColumnSpec::percent("rate"),
        )
        .unwrap_err();
        assert!(
            matches!(&err, NetworkError::PercentWithoutSign { at: Location::Line(3), id, column, text }
                if id == "b" && column == "rate" && text == cell),
            "{err:?}"
        );
        let help = err.help().unwrap();
        assert!(help.contains(meant), "{help}");
        assert!(err.to_string().starts_with("line 3: "), "{err}");
    }
    let err = load("id,sponsor,rate\na,,five%\n", ColumnSpec::percent("rate")).unwrap_err();
    assert!(
        matches!(err, NetworkError::MalformedDecimal { .. }),
        "{err:?}"
    );
}

#[test]
fn a_percentage_outside_its_range_is_refused_unless_the_range_allows_it() {
    for cell in ["120%", "-5%", "100.01%"] {
        let err = load(
            &format!("id,sponsor,rate\na,,{cell}\n"),
            ColumnSpec::percent("rate"),
        )
        .unwrap_err();
        assert!(
            matches!(&err, NetworkError::PercentOutOfRange { at: Location::Line(2), id, column, .. }
                if id == "a" && column == "rate"),
            "{err:?}"
        );
        let text = err.to_string();
        let (bound, option) = if cell.starts_with('-') {
            ("below the smallest percentage allowed, `0%`", "at least")
        } else {
            ("above the largest percentage allowed, `100%`", "at most")
        };
        assert!(text.contains(cell) && text.contains(bound), "{text}");
        let help = err.help().unwrap();
        assert!(help.contains(&format!("`{option} {cell}`")), "{help}");
    }
    let wide = ColumnSpec::percent("rate")
        .with_min(d("-0.1"))
        .with_max(d("1.5"));
    let net = load("id,sponsor,rate\na,,150%\nb,a,-10%\n", wide).unwrap();
    assert_eq!(net.len(), 2);
}

#[test]
fn a_host_gives_percentages_as_fractions_within_the_range() {
    let mut b = NetworkBuilder::new(schema(ColumnSpec::percent("rate")));
    let mut m = MemberRecord::new("a", None);
    m.values = vec![Some(Value::Decimal(d("0.5")))];
    b.add(m);
    let mut m = MemberRecord::new("b", Some("a"));
    m.values = vec![Some(Value::Decimal(d("1.2")))];
    b.add(m);
    let err = b.build().unwrap_err();
    assert!(
        matches!(&err, NetworkError::PercentOutOfRange { at: Location::Entry(2), id, .. } if id == "b"),
        "{err:?}"
    );
    assert!(err.to_string().contains("`120%`"), "{err}");
}
