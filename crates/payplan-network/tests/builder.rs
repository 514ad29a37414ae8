//! The in-memory builder: same network as the CSV loader, same rules, errors
//! named by entry.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::str::FromStr;

use common::*;
use payplan_network::{
    ColumnKind, ColumnSpec, Location, MemberRecord, Network, NetworkBuilder, NetworkError, Schema,
    Side, Value,
};
use rust_decimal::Decimal;

/// Reads a network file into builder records, independently of the loader.
fn records(path: &std::path::Path, schema: &Schema) -> Vec<MemberRecord> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    let field = |name: &str| header.iter().position(|h| h == name);
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            let text = |name: &str| {
                field(name)
                    .map(|f| record[f].to_owned())
                    .unwrap_or_default()
            };
            let sponsor = text("sponsor");
            let placement = text("placement");
            MemberRecord {
                id: text("id"),
                sponsor: (!sponsor.is_empty()).then_some(sponsor),
                placement: (!placement.is_empty()).then(|| {
                    let side = if text("leg") == "L" {
                        Side::Left
                    } else {
                        Side::Right
                    };
                    (placement, side)
                }),
                values: schema
                    .columns
                    .iter()
                    .map(|spec| {
                        let cell = text(&spec.name);
                        (!cell.is_empty()).then(|| match spec.kind {
                            ColumnKind::Decimal => {
                                Value::Decimal(Decimal::from_str(&cell).unwrap())
                            }
                            ColumnKind::Bool => Value::Bool(cell == "true"),
                            ColumnKind::Percent => Value::Decimal(
                                Decimal::from_str(cell.trim_end_matches('%')).unwrap()
                                    / Decimal::ONE_HUNDRED,
                            ),
                        })
                    })
                    .collect(),
                matrix: Default::default(),
            }
        })
        .collect()
}

fn build(schema: &Schema, members: Vec<MemberRecord>) -> Result<Network, NetworkError> {
    let mut builder = NetworkBuilder::new(schema.clone());
    for member in members {
        builder.add(member);
    }
    builder.build()
}

fn same_network(a: &Network, b: &Network) {
    assert_eq!(a.len(), b.len());
    assert_eq!(a.file_order(), b.file_order());
    assert_eq!(a.sponsors(), b.sponsors());
    assert_eq!(a.subtree_ends(), b.subtree_ends());
    for ix in 0..a.len() as u32 {
        assert_eq!(a.id(ix), b.id(ix));
    }
    for i in 0..a.schema().columns.len() {
        assert_eq!(a.column(i), b.column(i));
    }
    assert_eq!(a.placement(), b.placement());
}

#[test]
fn builder_matches_the_csv_loader() {
    let dir = conformance_dir();
    for (path, schema) in [
        (dir.join("binary/mlm-3000/network.csv"), binary_schema()),
        (dir.join("binary/random-300/network.csv"), binary_schema()),
        (dir.join("hybrid/mlm-3000/network.csv"), plain_schema()),
        (
            dir.join("unilevel/file-order-and-columns/network.csv"),
            plain_schema(),
        ),
    ] {
        let from_csv = Network::from_csv_path(&path, &schema).unwrap();
        let built = build(&schema, records(&path, &schema)).unwrap();
        same_network(&from_csv, &built);
        check_sponsor_preorder(&built);
    }
}

#[test]
fn builder_refuses_the_bad_networks_at_the_same_entry() {
    // The CSV files have one row per line after the header, so entry = line - 1.
    let dir = conformance_dir().join("bad-networks");
    for file in [
        "duplicate-id.csv",
        "empty-id.csv",
        "unknown-sponsor.csv",
        "sponsor-cycle.csv",
        "sponsor-2cycle.csv",
        "self-sponsor.csv",
        "malformed-decimal-empty.csv",
        "same-side.csv",
        "placement-cycle.csv",
        "unknown-placement.csv",
        "negative-carry.csv",
    ] {
        let schema = binary_schema();
        let csv_err = Network::from_csv_path(&dir.join(file), &schema).unwrap_err();
        let err = build(&schema, records(&dir.join(file), &schema)).unwrap_err();
        let Some(Location::Line(line)) = csv_err.location() else {
            panic!()
        };
        assert_eq!(
            err.location(),
            Some(Location::Entry(line - 1)),
            "{file}: {err}"
        );
        assert_eq!(err.member(), csv_err.member(), "{file}");
        assert_eq!(
            err.to_string(),
            csv_err
                .to_string()
                .replace(&format!("line {line}"), &format!("entry {}", line - 1))
                .replace("(line 3)", "(entry 2)")
                .replace("on line 3", "on entry 2"),
            "{file}"
        );
    }
}

fn member(id: &str, sponsor: Option<&str>, pv: i64) -> MemberRecord {
    MemberRecord {
        values: vec![
            Some(Value::Decimal(Decimal::from(pv))),
            Some(Value::Decimal(Decimal::ONE)),
            None,
        ],
        ..MemberRecord::new(id, sponsor)
    }
}

#[test]
fn builder_rules() {
    let schema = plain_schema();
    let err = build(
        &schema,
        vec![
            member("A", None, 1),
            member("B", Some("A"), 1),
            member("B", None, 1),
        ],
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "entry 3: duplicate id `B` (first used on entry 2)"
    );
    let err = build(
        &schema,
        vec![member("A", None, 1), member("", Some("A"), 1)],
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "entry 2: the member id is empty");
    let err = build(&schema, vec![member("A", Some("Z"), 1)]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "entry 1: sponsor `Z` of member `A` names no member"
    );

    // An empty sponsor id is a root, as in the file.
    let net = build(&schema, vec![member("A", Some(""), 1)]).unwrap();
    assert_eq!(net.roots().collect::<Vec<_>>(), [0]);
    assert_eq!(
        net.column_by_name("new").unwrap().as_bools().unwrap(),
        &[false]
    );

    let mut wrong_kind = member("A", None, 1);
    wrong_kind.values[0] = Some(Value::Bool(true));
    let err = build(&schema, vec![wrong_kind]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "entry 1: column `pv` of member `A` takes a decimal number"
    );

    let mut missing = member("A", None, 1);
    missing.values[1] = None;
    let err = build(&schema, vec![missing]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "entry 1: member `A` has no value in column `cv`, which is required"
    );

    let mut short = member("A", None, 1);
    short.values.pop();
    let err = build(&schema, vec![short]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "entry 1: member `A` has 2 values, but the schema has 3 columns"
    );

    // After the first problem, later entries are ignored.
    let err = build(
        &schema,
        vec![
            member("A", None, 1),
            member("", None, 1),
            member("A", None, 1),
        ],
    )
    .unwrap_err();
    assert_eq!(err.location(), Some(Location::Entry(2)));
}

#[test]
fn builder_placement_rules() {
    let schema = binary_schema();
    let at = |id: &str, sponsor: Option<&str>, parent: Option<(&str, Side)>| MemberRecord {
        placement: parent.map(|(p, s)| (p.to_owned(), s)),
        values: vec![
            Some(Value::Decimal(Decimal::ONE)),
            Some(Value::Decimal(Decimal::ONE)),
            None,
            None,
        ],
        ..MemberRecord::new(id, sponsor)
    };
    let net = build(
        &schema,
        vec![
            at("A", None, None),
            at("C", Some("A"), Some(("A", Side::Right))),
            at("B", Some("A"), Some(("A", Side::Left))),
        ],
    )
    .unwrap();
    let tree = net.placement().unwrap();
    let ids: Vec<&str> = tree.order().iter().map(|&ix| net.id(ix)).collect();
    assert_eq!(ids, ["A", "B", "C"]);
    check_placement(&net);

    let err = build(&schema, vec![at("A", None, Some(("", Side::Left)))]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "entry 1: member `A` has leg `L` but no placement"
    );
    let mut negative = at("A", None, None);
    negative.values[3] = Some(Value::Decimal(Decimal::new(-1, 2)));
    let err = build(&schema, vec![negative]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "entry 1: `-0.01` in column `carry_right` of member `A` is below the minimum `0`"
    );
    // Placement is ignored by a schema without a placement tree.
    let mut plain = at("A", None, Some(("nobody", Side::Left)));
    plain.values.truncate(2);
    plain.values.push(None);
    assert!(build(&plain_schema(), vec![plain]).is_ok());
}

#[test]
fn bad_schemas_are_refused() {
    let cases = [
        (
            vec![ColumnSpec::decimal("pv"), ColumnSpec::decimal("pv")],
            "is declared twice",
        ),
        (vec![ColumnSpec::decimal("sponsor")], "reserves"),
        (
            vec![ColumnSpec::bool("new").with_default(Value::Decimal(Decimal::ZERO))],
            "wrong kind",
        ),
        (
            vec![ColumnSpec::decimal("c")
                .with_min(Decimal::ZERO)
                .with_default(Value::Decimal(Decimal::NEGATIVE_ONE))],
            "below its minimum",
        ),
        (
            vec![ColumnSpec::bool("b").with_min(Decimal::ZERO)],
            "not a decimal",
        ),
    ];
    for (columns, problem) in cases {
        let schema = Schema {
            columns,
            placement: false,
            matrix: None,
        };
        let err = NetworkBuilder::new(schema.clone()).build().unwrap_err();
        assert!(matches!(err, NetworkError::BadSchema { .. }));
        assert!(err.to_string().contains(problem), "{err}");
        let err = Network::from_csv_reader(&b"id,sponsor\n"[..], &schema).unwrap_err();
        assert!(err.to_string().contains(problem), "{err}");
    }
}
