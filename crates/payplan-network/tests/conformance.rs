//! The conformance networks: every bad network is refused naming one of the
//! expected lines, every case's network loads with a correct layout.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::str::FromStr;

use common::*;
use payplan_network::{Network, NetworkError, Schema, Side, Value, NONE};
use rust_decimal::Decimal;

struct Bad {
    file: String,
    lines: Vec<u64>,
    binary_only: bool,
}

fn bad_networks() -> Vec<Bad> {
    let dir = conformance_dir().join("bad-networks");
    let mut reader = csv::Reader::from_path(dir.join("expected.csv")).unwrap();
    let bad: Vec<Bad> = reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            Bad {
                file: record[0].to_owned(),
                lines: record[1].split(' ').map(|n| n.parse().unwrap()).collect(),
                binary_only: match &record[2] {
                    "all" => false,
                    "binary" => true,
                    other => panic!("unknown plans {other}"),
                },
            }
        })
        .collect();
    assert!(bad.len() >= 22);
    // Every file in the folder is listed.
    let listed = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".csv") && name != "expected.csv")
        .count();
    assert_eq!(listed, bad.len());
    bad
}

/// The variant each file must give, so that a refusal for the wrong reason fails.
fn right_rule(file: &str, err: &NetworkError) -> bool {
    use NetworkError as E;
    match file {
        "duplicate-id.csv" => matches!(err, E::DuplicateId { id, .. } if id == "B"),
        "empty-id.csv" => matches!(err, E::EmptyId { .. }),
        "unknown-sponsor.csv" => {
            matches!(err, E::UnknownSponsor { id, sponsor, .. } if id == "E" && sponsor == "Q")
        }
        "sponsor-cycle.csv" | "sponsor-2cycle.csv" => matches!(err, E::SponsorCycle { .. }),
        "self-sponsor.csv" => matches!(err, E::SelfSponsor { id, .. } if id == "D"),
        "malformed-decimal-empty.csv" => {
            matches!(err, E::MissingValue { column, .. } if column == "pv")
        }
        f if f.starts_with("malformed-") => matches!(err, E::MalformedDecimal { .. }),
        "missing-pv-column.csv" => matches!(err, E::MissingColumn { column, .. } if column == "pv"),
        "missing-leg-column.csv" => {
            matches!(err, E::MissingColumn { column, .. } if column == "leg")
        }
        "bad-leg-value.csv" => matches!(err, E::MalformedLeg { text, .. } if text == "l"),
        "leg-without-placement.csv" => matches!(err, E::LegWithoutPlacement { .. }),
        "placement-without-leg.csv" => matches!(err, E::PlacementWithoutLeg { .. }),
        "same-side.csv" => {
            matches!(err, E::SameSide { id, other, .. } if id == "F" && other == "B")
        }
        "placement-cycle.csv" => matches!(err, E::PlacementCycle { .. }),
        "unknown-placement.csv" => {
            matches!(err, E::UnknownPlacement { placement, .. } if placement == "Z")
        }
        "negative-carry.csv" => {
            matches!(err, E::BelowMinimum { column, .. } if column == "carry_right")
        }
        _ => false,
    }
}

#[test]
fn bad_networks_are_refused_naming_the_line() {
    let dir = conformance_dir().join("bad-networks");
    for bad in bad_networks() {
        let path = dir.join(&bad.file);
        let mut schemas = vec![("binary", binary_schema())];
        if !bad.binary_only {
            schemas.push(("plain", plain_schema()));
        }
        for (name, schema) in &schemas {
            let err = match Network::from_csv_path(&path, schema) {
                Ok(_) => panic!("{} accepted with the {name} schema", bad.file),
                Err(err) => err,
            };
            let message = err.to_string();
            assert!(
                numbers_in(&message).iter().any(|n| bad.lines.contains(n)),
                "{}: `{message}` names none of {:?}",
                bad.file,
                bad.lines
            );
            let at = err.location().unwrap().number();
            assert!(bad.lines.contains(&at), "{}: at {at}", bad.file);
            assert!(
                right_rule(&bad.file, &err),
                "{}: wrong rule: {message}",
                bad.file
            );
            assert!(message.starts_with(&format!("line {at}: ")), "{message}");
            assert!(!message.ends_with('.'), "{message}");
            if let Some(id) = err.member() {
                assert!(message.contains(&format!("`{id}`")), "{message}");
            }
        }
        if bad.binary_only {
            let net = Network::from_csv_path(&path, &plain_schema())
                .unwrap_or_else(|e| panic!("{} refused with the plain schema: {e}", bad.file));
            check_sponsor_preorder(&net);
        }
    }
}

#[test]
fn messages_read_well() {
    let dir = conformance_dir().join("bad-networks");
    let message = |file: &str| {
        Network::from_csv_path(&dir.join(file), &binary_schema())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        message("duplicate-id.csv"),
        "line 5: duplicate id `B` (first used on line 3)"
    );
    assert_eq!(
        message("unknown-sponsor.csv"),
        "line 6: sponsor `Q` of member `E` names no member"
    );
    assert_eq!(
        message("sponsor-cycle.csv"),
        "line 5: member `F` is on a sponsor cycle: F -> H -> G -> F"
    );
    assert_eq!(
        message("sponsor-2cycle.csv"),
        "line 7: member `X` is on a sponsor cycle: X -> Y -> X"
    );
    assert_eq!(
        message("self-sponsor.csv"),
        "line 5: member `D` is its own sponsor"
    );
    assert_eq!(
        message("malformed-decimal-comma.csv"),
        "line 4: `1,5` in column `pv` of member `C` is not a decimal number"
    );
    assert_eq!(
        message("placement-cycle.csv"),
        "line 7: member `P` is on a placement cycle: P -> R -> Q -> P"
    );
    assert_eq!(
        message("same-side.csv"),
        "line 7: member `F` is placed on the left of `A`, where member `B` already is (line 3)"
    );
    assert_eq!(
        message("missing-leg-column.csv"),
        "line 1: the header has no column `leg`, which is required"
    );
    assert_eq!(
        message("negative-carry.csv"),
        "line 4: `-0.01` in column `carry_right` of member `C` is below the minimum `0`"
    );
    let err = Network::from_csv_path(&dir.join("malformed-decimal-exponent.csv"), &plain_schema())
        .unwrap_err();
    assert!(err.help().unwrap().contains("no exponent"));
}

/// The network files of all conformance cases, with their schema.
fn case_networks() -> Vec<(std::path::PathBuf, Schema)> {
    let mut cases = Vec::new();
    for plan in std::fs::read_dir(conformance_dir()).unwrap() {
        let plan = plan.unwrap().path();
        if !plan.is_dir() || plan.ends_with("bad-networks") {
            continue;
        }
        let schema = if plan.ends_with("binary") {
            binary_schema()
        } else {
            plain_schema()
        };
        for case in std::fs::read_dir(&plan).unwrap() {
            let network = case.unwrap().path().join("network.csv");
            if network.is_file() {
                cases.push((network, schema.clone()));
            }
        }
    }
    assert!(cases.len() >= 30, "found only {} cases", cases.len());
    cases
}

/// Compares a loaded network with the file read independently, row by row.
fn check_against_file(net: &Network, path: &std::path::Path) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    let field = |name: &str| header.iter().position(|h| h == name);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(net.len(), rows.len());
    let schema = net.schema().clone();
    for (row, record) in rows.iter().enumerate() {
        let ix = net.file_order()[row];
        let id = &record[field("id").unwrap()];
        assert_eq!(net.id(ix), id);
        let sponsor = &record[field("sponsor").unwrap()];
        if sponsor.is_empty() {
            assert_eq!(net.sponsor(ix), NONE);
        } else {
            assert_eq!(net.id(net.sponsor(ix)), sponsor);
        }
        for (i, spec) in schema.columns.iter().enumerate() {
            let expected = match field(&spec.name).map(|f| &record[f]) {
                None | Some("") => spec.default.unwrap(),
                Some(text) => match spec.kind {
                    payplan_network::ColumnKind::Decimal => {
                        Value::Decimal(Decimal::from_str(text).unwrap())
                    }
                    payplan_network::ColumnKind::Bool => Value::Bool(text == "true"),
                    payplan_network::ColumnKind::Percent => Value::Decimal(
                        Decimal::from_str(text.trim_end_matches('%')).unwrap()
                            / Decimal::ONE_HUNDRED,
                    ),
                },
            };
            assert_eq!(net.column(i).unwrap().get(ix), Some(expected));
            assert_eq!(
                net.column_by_name(&spec.name).unwrap().get(ix),
                Some(expected)
            );
        }
        if let Some(tree) = net.placement() {
            let placement = &record[field("placement").unwrap()];
            let leg = &record[field("leg").unwrap()];
            if placement.is_empty() {
                assert_eq!(tree.parent(ix), NONE);
            } else {
                assert_eq!(net.id(tree.parent(ix)), placement);
                let side = if leg == "L" { Side::Left } else { Side::Right };
                assert_eq!(tree.side(ix), Some(side));
            }
        }
    }
}

#[test]
fn case_networks_load_with_valid_layout() {
    for (path, schema) in case_networks() {
        let net = Network::from_csv_path(&path, &schema)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(net.placement().is_some(), schema.placement);
        check_sponsor_preorder(&net);
        check_against_file(&net, &path);
        if schema.placement {
            check_placement(&net);
        }
    }
}

#[test]
fn binary_networks_load_with_the_plain_schema_too() {
    for (path, schema) in case_networks() {
        if schema.placement {
            let net = Network::from_csv_path(&path, &plain_schema()).unwrap();
            assert!(net.placement().is_none());
            check_sponsor_preorder(&net);
        }
    }
}
