//! CSV details: line numbers with a BOM, CRLF, blank lines and multi-line
//! cells; file errors; header, field-count, UTF-8 and cell rules.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::io::Read;

use common::*;
use payplan_network::{ColumnSpec, Location, Network, NetworkError, Schema, Side, Value, NONE};
use rust_decimal::Decimal;

fn load(text: &str, schema: &Schema) -> Result<Network, NetworkError> {
    Network::from_csv_reader(text.as_bytes(), schema)
}

fn err_line(text: &str, schema: &Schema) -> u64 {
    let err = load(text, schema).expect_err("refused");
    let line = err.location().expect("a location").number();
    assert!(numbers_in(&err.to_string()).contains(&line), "{err}");
    line
}

/// Hands out one byte per read, to exercise partial reads.
struct Trickle<'a>(&'a [u8]);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match (self.0.split_first(), buf.first_mut()) {
            (Some((&b, rest)), Some(out)) => {
                *out = b;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

/// A file with a BOM, CRLF and LF, blank lines and a quoted two-line id. The
/// `@N` marks the pv cell of the row that starts on line N.
const MESSY: &str = "\u{feff}id,sponsor,pv,cv\r\n\
    \r\n\
    A,,@3,2\r\n\
    \r\n\
    \r\n\
    \"B\r\nx\",A,@6,2\r\n\
    C,\"A\",@8,4\n\
    \n\
    D,C,@10,6\n\
    \"E\",\"multi\n\nline sponsor\",@11,7\r\n\
    F,D,@14,8";

#[test]
fn rows_are_named_by_the_line_they_start_on() {
    let ok = MESSY.replace('@', "");
    let ok = ok.replace("\"multi\n\nline sponsor\"", "A");
    let net = load(&ok, &plain_schema()).unwrap();
    assert_eq!(net.len(), 6);
    assert!(
        net.index_of("B\r\nx").is_some(),
        "quoted line break kept in the id"
    );
    assert!(net.index_of("id").is_none());
    check_sponsor_preorder(&net);

    let lines = [3u64, 6, 8, 10, 11, 14];
    for &line in &lines {
        // Break the pv of the row on `line` only.
        let text = MESSY
            .replace(&format!("@{line},"), "1e3,")
            .replace(&format!("@{line}"), "1e3")
            .replace('@', "");
        for schema in [plain_schema(), binary_like_plain()] {
            assert_eq!(err_line(&text, &schema), line, "{text:?}");
            let err = Network::from_csv_reader(Trickle(text.as_bytes()), &schema).unwrap_err();
            assert_eq!(err.location(), Some(Location::Line(line)));
        }
    }
}

/// Plain columns and a default column missing from the file.
fn binary_like_plain() -> Schema {
    let mut schema = plain_schema();
    schema
        .columns
        .push(ColumnSpec::decimal("bonus_in").with_default(Value::Decimal(Decimal::ONE)));
    schema
}

#[test]
fn field_count_and_duplicate_lines_with_blank_lines() {
    let text = "id,sponsor,pv,cv\r\n\r\nA,,1,2\r\n\r\nB,A,1,2,9\r\n";
    let err = load(text, &plain_schema()).unwrap_err();
    assert!(
        matches!(
            err,
            NetworkError::FieldCount {
                expected: 4,
                found: 5,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "line 5: the row has 5 fields, but the header has 4"
    );
    let text = "\n\nid,sponsor,pv,cv\n\nA,,1,2\n\"A\",,1,2\n";
    assert_eq!(
        load(text, &plain_schema()).unwrap_err().to_string(),
        "line 6: duplicate id `A` (first used on line 5)"
    );
    // A line of spaces is a row, not a blank line.
    assert_eq!(
        err_line("id,sponsor,pv,cv\nA,,1,2\n  \n", &plain_schema()),
        3
    );
}

#[test]
fn many_rows_and_blank_lines_keep_count() {
    // 50,000 rows with 0-2 blank lines before each, and every 1000th with a
    // two-line cell in a column the schema does not read.
    let mut text = String::from("id,sponsor,pv,cv,note\r\n");
    let mut line = 1u64;
    let mut line_of_row = Vec::new();
    for i in 0..50_000u64 {
        for _ in 0..(i % 3) {
            text.push_str("\r\n");
            line += 1;
        }
        line += 1;
        line_of_row.push(line);
        let sponsor = if i == 0 {
            String::new()
        } else {
            format!("M{}", i / 2)
        };
        if i % 1000 == 7 {
            text.push_str(&format!("M{i},{sponsor},1,2,\"two\r\nlines\"\r\n"));
            line += 1;
        } else {
            text.push_str(&format!("M{i},{sponsor},1,2,\r\n"));
        }
    }
    let net = load(&text, &plain_schema()).unwrap();
    assert_eq!(net.len(), 50_000);
    check_sponsor_preorder(&net);
    // Break single rows: each is named by its line.
    for i in [1u64, 7, 8, 1007, 1008, 25_000, 49_999] {
        let row = format!("M{i},M{},1,", i / 2);
        let broken = text.replacen(&row, &format!("M{i},M{},1e1,", i / 2), 1);
        assert_eq!(
            err_line(&broken, &plain_schema()),
            line_of_row[i as usize],
            "row {i}"
        );
    }
    // A row after two more blank lines at the end.
    let broken = format!("{text}\r\n\r\nX,nobody,1,2,\r\n");
    assert_eq!(err_line(&broken, &plain_schema()), line + 3);
}

#[test]
fn file_errors_name_the_path() {
    let dir = std::env::temp_dir().join(format!("payplan-network-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("missing.csv");
    let err = Network::from_csv_path(&missing, &plain_schema()).unwrap_err();
    assert!(matches!(err, NetworkError::FileNotFound { .. }));
    assert!(
        err.to_string()
            .contains(&format!("`{}`", missing.display())),
        "{err}"
    );
    assert!(err.to_string().contains("no such file"));

    let err = Network::from_csv_path(&dir, &plain_schema()).unwrap_err();
    assert!(matches!(err, NetworkError::NotAFile { .. }));
    assert!(
        err.to_string().contains(&format!("`{}`", dir.display())),
        "{err}"
    );
    assert!(err.to_string().contains("directory"));

    let file = dir.join("ok.csv");
    std::fs::write(&file, "\u{feff}id,sponsor,pv,cv\r\nA,,1,2\r\n").unwrap();
    assert_eq!(
        Network::from_csv_path(&file, &plain_schema())
            .unwrap()
            .len(),
        1
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn header_rules() {
    let schema = plain_schema();
    let err = load("id,sponsor,pv,cv,pv\nA,,1,2,3\n", &schema).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 1: the header names column `pv` twice"
    );
    // Columns the schema does not read may repeat and hold anything.
    let net = load(
        "id,x,sponsor,x,pv,cv,placement\nA,\u{1},,?,1,2,nobody\n",
        &schema,
    )
    .unwrap();
    assert_eq!(net.len(), 1);
    // Names are case-sensitive.
    let err = load("ID,sponsor,pv,cv\nA,,1,2\n", &schema).unwrap_err();
    assert!(matches!(err, NetworkError::MissingColumn { ref column, .. } if column == "id"));
    let err = load("id,pv,cv\nA,1,2\n", &schema).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 1: the header has no column `sponsor`, which is required"
    );
    assert_eq!(load("", &schema).unwrap_err(), NetworkError::EmptyInput);
    assert_eq!(
        load("\u{feff}", &schema).unwrap_err(),
        NetworkError::EmptyInput
    );
    assert_eq!(
        load("\r\n\r\n", &schema).unwrap_err(),
        NetworkError::EmptyInput
    );
    let empty = load("\u{feff}id,sponsor,pv,cv\r\n", &schema).unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.roots().count(), 0);
    // A BOM-less first byte that merely looks like one is kept.
    let err = load("\u{fe}id,sponsor,pv,cv\nA,,1,2\n", &schema).unwrap_err();
    assert!(matches!(err, NetworkError::MissingColumn { ref column, .. } if column == "id"));
}

#[test]
fn utf8_is_checked_only_where_read() {
    let schema = plain_schema();
    let mut bytes = b"id,sponsor,pv,cv,note\nA,,1,2,ok\nB".to_vec();
    bytes.push(0xff);
    bytes.extend_from_slice(b",A,1,2,ok\n");
    let err = Network::from_csv_reader(&bytes[..], &schema).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 3: the cell in column `id` is not UTF-8 text: `B\\xff`"
    );
    assert_eq!(err.help().as_deref(), Some("save the file as UTF-8 text"));
    let mut bytes = b"id,sponsor,pv,cv,note\nA,,1,2,".to_vec();
    bytes.push(0xff);
    bytes.push(b'\n');
    assert_eq!(
        Network::from_csv_reader(&bytes[..], &schema).unwrap().len(),
        1
    );
}

#[test]
fn a_number_cell_that_is_not_utf8_is_named_with_its_bytes_escaped() {
    let schema = plain_schema();
    let mut bytes = b"id,sponsor,pv,cv\nA,,1,".to_vec();
    bytes.extend_from_slice(&[b'1', 0xff, 0xfe, b'2']);
    let err = Network::from_csv_reader(&bytes[..], &schema).unwrap_err();
    assert!(matches!(err, NetworkError::NotUtf8 { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "line 2: the cell in column `cv` is not UTF-8 text: `1\\xff\\xfe2`"
    );
    assert!(!err.to_string().contains('\u{fffd}'));
    let mut bytes = b"id,sponsor,pv,cv,new\nA,,1,2,".to_vec();
    bytes.push(0xe9);
    let schema = Schema {
        columns: vec![
            ColumnSpec::decimal("pv"),
            ColumnSpec::decimal("cv"),
            ColumnSpec::bool("new"),
        ],
        placement: false,
        matrix: None,
    };
    let err = Network::from_csv_reader(&bytes[..], &schema).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 2: the cell in column `new` is not UTF-8 text: `\\xe9`"
    );
}

#[test]
fn a_quote_never_closed_is_named_where_it_opened() {
    let schema = plain_schema();
    let err = load(
        "id,sponsor,pv,cv,note\nA,,1,2,x\nB,A,1,2,\"a,b\nC,A,1,2,x\n",
        &schema,
    )
    .unwrap_err();
    assert!(matches!(err, NetworkError::UnclosedQuote { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "line 3: the quote that opens the cell in column `note` is never closed"
    );
    assert!(err.help().unwrap().contains("`\"\"`"), "{:?}", err.help());
    // A multi-line cell before it: the quote is named by its own line.
    let err = load("id,sponsor,pv,cv,note\n\"A\nB\",,1,\"2", &schema).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 3: the quote that opens the cell in column `cv` is never closed"
    );
    let err = load("id,sponsor,\"pv,cv\nA,,1,2\n", &schema).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 1: the quote that opens field 3 is never closed"
    );
}

#[test]
fn echoed_cells_are_short_and_escaped() {
    let schema = plain_schema();
    let long = "x".repeat(1 << 20);
    let err = load(&format!("id,sponsor,pv,cv\nA,,1,{long}\n"), &schema).unwrap_err();
    assert!(
        err.to_string().len() < 300,
        "{} bytes",
        err.to_string().len()
    );
    assert!(err.to_string().contains(&format!("`{}…`", "x".repeat(40))));
    let err = load("id,sponsor,pv,cv\nA,,1,\"2\u{1b}[2J\"\n", &schema).unwrap_err();
    assert!(err.to_string().contains("`2\\u{1b}[2J`"), "{err}");
}

#[test]
fn decimal_cells() {
    let schema = plain_schema();
    for bad in [
        "1,5", "1e3", "+5", ".5", "5.", " 5", "5 ", "abc", "-", "1.2.3", "0x1",
    ] {
        let text = format!("id,sponsor,pv,cv\nA,,1,2\nB,A,\"{bad}\",2\n");
        let err = load(&text, &schema).unwrap_err();
        assert!(
            matches!(err, NetworkError::MalformedDecimal { .. }),
            "{bad}: {err}"
        );
        assert_eq!(err.location(), Some(Location::Line(3)));
        assert!(err.to_string().contains(&format!("`{bad}`")));
        assert!(err.help().is_some());
    }
    let err = load("id,sponsor,pv,cv\nA,,1,\n", &schema).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 2: member `A` has no value in column `cv`, which is required"
    );
    let err = load(
        "id,sponsor,pv,cv\nA,,123456789012345678901234567890,1\n",
        &schema,
    )
    .unwrap_err();
    assert!(
        matches!(err, NetworkError::DecimalOutOfRange { .. }),
        "{err}"
    );
    let net = load(
        "id,sponsor,pv,cv\nA,,-3.25,0.0001\nB,A,007,12.50\n",
        &schema,
    )
    .unwrap();
    let pv = net.column_by_name("pv").unwrap().as_decimals().unwrap();
    let cv = net.column(1).unwrap().as_decimals().unwrap();
    assert_eq!(pv[0].to_string(), "-3.25");
    assert_eq!(pv[1], Decimal::from(7));
    assert_eq!(cv[0].to_string(), "0.0001");
    assert_eq!(cv[1].to_string(), "12.50");
}

#[test]
fn defaults_bools_and_minimums() {
    let schema = binary_schema();
    // Optional columns missing from the header or empty take their default.
    let net = load(
        "id,sponsor,pv,cv,placement,leg,carry_left\nA,,1,2,,,\nB,A,1,2,A,R,3.5\n",
        &schema,
    )
    .unwrap();
    let left = net
        .column_by_name("carry_left")
        .unwrap()
        .as_decimals()
        .unwrap();
    let right = net
        .column_by_name("carry_right")
        .unwrap()
        .as_decimals()
        .unwrap();
    assert_eq!(left, &[Decimal::ZERO, Decimal::new(35, 1)]);
    assert_eq!(right, &[Decimal::ZERO, Decimal::ZERO]);
    let tree = net.placement().unwrap();
    assert_eq!(tree.child(0, Side::Right), 1);
    assert_eq!(tree.child(0, Side::Left), NONE);
    assert_eq!(tree.side(1), Some(Side::Right));
    check_placement(&net);

    let err = load(
        "id,sponsor,pv,cv,placement,leg,carry_left\nA,,1,2,,,-0.5\n",
        &schema,
    )
    .unwrap_err();
    assert!(matches!(err, NetworkError::BelowMinimum { .. }), "{err}");
    // -0 is not below 0.
    assert!(load(
        "id,sponsor,pv,cv,placement,leg,carry_left\nA,,1,2,,,-0.00\n",
        &schema
    )
    .is_ok());

    let plain = plain_schema();
    let net = load(
        "id,sponsor,pv,cv,new\nA,,1,2,true\nB,A,1,2,\nC,A,1,2,false\n",
        &plain,
    )
    .unwrap();
    assert_eq!(
        net.column_by_name("new").unwrap().as_bools().unwrap(),
        &[true, false, false]
    );
    for bad in ["yes", "True", "1", " true"] {
        let text = format!("id,sponsor,pv,cv,new\nA,,1,2,true\nB,A,1,2,{bad}\n");
        let err = load(&text, &plain).unwrap_err();
        assert!(matches!(err, NetworkError::MalformedBool { .. }), "{err}");
        assert_eq!(err.location(), Some(Location::Line(3)));
    }
}

#[test]
fn placement_rules() {
    let schema = binary_schema();
    let head = "id,sponsor,pv,cv,placement,leg\n";
    let err = load(&format!("{head}A,,1,1,A,L\n"), &schema).unwrap_err();
    assert_eq!(err.to_string(), "line 2: member `A` is placed under itself");
    let err = load(
        &format!("{head}A,,1,1,,\nB,A,1,1,A,R\nC,A,1,1,A,R\n"),
        &schema,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 4: member `C` is placed on the right of `A`, where member `B` already is (line 3)"
    );
    // Several problems: the first row wins, whatever the kind.
    let err = load(
        &format!("{head}A,,1,1,,\nB,A,1,1,Z,L\nC,Y,1,1,A,L\n"),
        &schema,
    )
    .unwrap_err();
    assert!(
        matches!(err, NetworkError::UnknownPlacement { .. }),
        "{err}"
    );
    let err = load(
        &format!("{head}A,,1,1,,\nB,Y,1,1,Z,L\nC,A,1,1,A,L\n"),
        &schema,
    )
    .unwrap_err();
    assert!(matches!(err, NetworkError::UnknownSponsor { .. }), "{err}");
}

#[test]
fn cycles_name_a_member_on_the_cycle() {
    let schema = plain_schema();
    let head = "id,sponsor,pv,cv\n";
    // H hangs below the cycle X -> Y -> Z -> X and comes first; the second
    // cycle P <-> Q has a later first row.
    let text = format!("{head}R,,1,1\nH,X,1,1\nQ,P,1,1\nY,Z,1,1\nP,Q,1,1\nX,Y,1,1\nZ,X,1,1\n");
    let err = load(&text, &schema).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 4: member `Q` is on a sponsor cycle: Q -> P -> Q"
    );
    let text = format!("{head}R,,1,1\nH,X,1,1\nY,Z,1,1\nX,Y,1,1\nZ,X,1,1\n");
    let err = load(&text, &schema).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 4: member `Y` is on a sponsor cycle: Y -> Z -> X -> Y"
    );
    // No root at all.
    let err = load(&format!("{head}A,B,1,1\nB,A,1,1\n"), &schema).unwrap_err();
    assert!(matches!(err, NetworkError::SponsorCycle { .. }));
}
