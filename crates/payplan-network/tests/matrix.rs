//! The forced matrix (R9): placement computed from `joined` matches the
//! conformance members tables, bad `joined` cells are refused on the line
//! the spec names, and the file variant is checked.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use payplan_network::{
    ColumnSpec, MatrixCells, MatrixSource, MatrixSpec, MemberRecord, Network, NetworkBuilder,
    NetworkError, Schema, NONE,
};

fn v2() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance-v2")
}

fn schema(source: MatrixSource) -> Schema {
    Schema {
        columns: vec![ColumnSpec::decimal("pv"), ColumnSpec::decimal("cv")],
        placement: false,
        matrix: Some(MatrixSpec { width: 3, source }),
    }
}

/// `(member, parent, position)` of a network, in file order.
fn places(net: &Network) -> Vec<(String, String, String)> {
    let m = net.matrix().unwrap();
    net.file_order()
        .iter()
        .map(|&ix| {
            let p = m.parent(ix);
            let parent = if p == NONE {
                String::new()
            } else {
                net.id(p).to_owned()
            };
            let pos = m.position(ix).map(|k| k.to_string()).unwrap_or_default();
            (net.id(ix).to_owned(), parent, pos)
        })
        .collect()
}

fn expected_places(dir: &Path) -> Vec<(String, String, String)> {
    let mut r = csv::Reader::from_path(dir.join("members.csv")).unwrap();
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (x[0].to_owned(), x[1].to_owned(), x[2].to_owned())
        })
        .collect()
}

#[test]
fn placement_matches_every_conformance_case() {
    let mut seen = 0;
    for entry in std::fs::read_dir(v2().join("matrix")).unwrap() {
        let dir = entry.unwrap().path();
        let net = Network::from_csv_path(&dir.join("network.csv"), &schema(MatrixSource::Joined))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        assert_eq!(places(&net), expected_places(&dir), "{}", dir.display());
        seen += 1;
    }
    assert!(seen >= 8);
}

/// The same placement, read back from the file through the column variant.
#[test]
fn the_file_variant_reads_what_was_computed() {
    let dir = v2().join("matrix/spillover-order");
    let computed =
        Network::from_csv_path(&dir.join("network.csv"), &schema(MatrixSource::Joined)).unwrap();
    let mut text = String::from("id,sponsor,pv,cv,mp,mpos\n");
    for (id, parent, pos) in places(&computed) {
        let ix = computed.index_of(&id).unwrap();
        let s = computed.sponsor(ix);
        let sponsor = if s == NONE { "" } else { computed.id(s) };
        text.push_str(&format!("{id},{sponsor},0,0,{parent},{pos}\n"));
    }
    let read = Network::from_csv_reader(text.as_bytes(), &schema(columns())).unwrap();
    assert_eq!(places(&read), places(&computed));
}

fn columns() -> MatrixSource {
    MatrixSource::Columns {
        parent: "mp".into(),
        position: "mpos".into(),
    }
}

#[test]
fn the_file_variant_refuses_bad_matrices() {
    let bad = [
        ("A,,0,0,,\nB,A,0,0,A,4\n", 3, "BadMatrixPosition"),
        ("A,,0,0,,\nB,A,0,0,A,\n", 3, "BadMatrixPosition"),
        ("A,,0,0,,1\n", 2, "BadMatrixPosition"),
        ("A,,0,0,,\nB,A,0,0,Q,1\n", 3, "UnknownMatrixParent"),
        (
            "A,,0,0,,\nB,A,0,0,A,2\nC,A,0,0,A,2\n",
            4,
            "MatrixPositionTaken",
        ),
        ("A,,0,0,,\nB,A,0,0,C,1\nC,A,0,0,B,1\n", 3, "MatrixCycle"),
    ];
    for (rows, line, kind) in bad {
        let text = format!("id,sponsor,pv,cv,mp,mpos\n{rows}");
        let err = Network::from_csv_reader(text.as_bytes(), &schema(columns())).unwrap_err();
        assert_eq!(err.location().unwrap().number(), line, "{rows}: {err}");
        assert!(format!("{err:?}").starts_with(kind), "{rows}: {err:?}");
    }
}

#[test]
fn bad_joined_cells_are_refused_on_the_line_the_spec_names() {
    let dir = v2().join("bad-networks");
    let mut r = csv::Reader::from_path(dir.join("matrix-expected.csv")).unwrap();
    let mut seen = 0;
    for row in r.records() {
        let row = row.unwrap();
        let err = Network::from_csv_path(&dir.join(&row[0]), &schema(MatrixSource::Joined))
            .expect_err(&row[0]);
        assert_eq!(
            err.location().unwrap().number().to_string(),
            &row[1],
            "{}: {err}",
            &row[0]
        );
        if &row[1] != "1" {
            assert!(err.member().is_some(), "{}: {err}", &row[0]);
        }
        seen += 1;
    }
    assert_eq!(seen, 10);
}

#[test]
fn a_joined_error_names_the_recruit_and_its_sponsor() {
    let text = "id,sponsor,pv,cv,joined\nA,,0,0,5\nB,A,0,0,5\n";
    let err = Network::from_csv_reader(text.as_bytes(), &schema(MatrixSource::Joined)).unwrap_err();
    assert!(
        matches!(err, NetworkError::JoinedNotAfterSponsor { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "line 3: member `B` joined at 5, not after its sponsor `A` (joined at 5, line 2)"
    );
    let text = "id,sponsor,pv,cv,joined\nA,,0,0,+5\n";
    let err = Network::from_csv_reader(text.as_bytes(), &schema(MatrixSource::Joined)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 2: `+5` in column `joined` of member `A` is not a whole number written with digits only"
    );
}

/// The builder places like the loader.
#[test]
fn the_builder_places_like_the_loader() {
    let dir = v2().join("matrix/spillover-order");
    let s = schema(MatrixSource::Joined);
    let loaded = Network::from_csv_path(&dir.join("network.csv"), &s).unwrap();
    let mut b = NetworkBuilder::new(s.clone());
    let mut r = csv::Reader::from_path(dir.join("network.csv")).unwrap();
    for x in r.records() {
        let x = x.unwrap();
        let sponsor = (!x[1].is_empty()).then(|| &x[1]);
        let mut m = MemberRecord::new(&x[0], sponsor).with_joined(&x[4]);
        m.values = vec![
            Some(payplan_network::Value::Decimal(x[2].parse().unwrap())),
            Some(payplan_network::Value::Decimal(x[3].parse().unwrap())),
        ];
        b.add(m);
    }
    assert_eq!(places(&b.build().unwrap()), places(&loaded));
    let mut b = NetworkBuilder::new(s);
    let mut m = MemberRecord::new("A", None);
    m.values = vec![None, None];
    m.matrix = MatrixCells::default();
    b.add(m);
    let err = b.build().unwrap_err();
    assert!(matches!(err, NetworkError::MissingValue { .. }), "{err:?}");
}

/// A star and a chain of a million members place quickly (no quadratic
/// rescans, no recursion); timings are not asserted.
#[test]
fn a_million_star_and_chain() {
    for chain in [false, true] {
        let n = 1_000_000usize;
        let mut text = String::with_capacity(n * 24);
        text.push_str("id,sponsor,pv,cv,joined\n");
        for i in 0..n {
            let sponsor = match (i, chain) {
                (0, _) => String::new(),
                (_, true) => format!("m{}", i - 1),
                (_, false) => "m0".to_owned(),
            };
            text.push_str(&format!("m{i},{sponsor},0,0,{}\n", i + 1));
        }
        let net = Network::from_csv_reader(text.as_bytes(), &schema(MatrixSource::Joined)).unwrap();
        let m = net.matrix().unwrap();
        let last = net.index_of(&format!("m{}", n - 1)).unwrap();
        assert_ne!(m.parent(last), NONE);
        assert_eq!(m.order().len(), n);
    }
}

/// The builder reads a matrix given as parent and position, with the
/// loader's checks, named by entry.
#[test]
fn the_builder_reads_a_matrix_from_cells() {
    let member = |id: &str, sponsor: Option<&str>, parent: &str, position: &str| {
        let mut m = MemberRecord::new(id, sponsor);
        m.values = vec![None, None]
            .into_iter()
            .map(|_: Option<()>| Some(payplan_network::Value::Decimal(1.into())))
            .collect();
        m.matrix = MatrixCells {
            joined: String::new(),
            parent: parent.into(),
            position: position.into(),
        };
        m
    };
    let mut b = NetworkBuilder::new(schema(columns()));
    b.add(member("A", None, "", ""));
    b.add(member("B", Some("A"), "A", "2"));
    b.add(member("C", Some("A"), "A", "1"));
    let net = b.build().unwrap();
    let m = net.matrix().unwrap();
    let a = net.index_of("A").unwrap();
    let ids: Vec<&str> = m.children(a).map(|c| net.id(c)).collect();
    assert_eq!(ids, ["C", "B"], "children by position");
    let mut b = NetworkBuilder::new(schema(columns()));
    b.add(member("A", None, "", ""));
    b.add(member("B", Some("A"), "A", "2"));
    b.add(member("C", Some("A"), "A", "2"));
    let err = b.build().unwrap_err();
    assert!(
        matches!(err, NetworkError::MatrixPositionTaken { .. }),
        "{err:?}"
    );
    assert_eq!(err.location().unwrap().to_string(), "entry 3");
}
