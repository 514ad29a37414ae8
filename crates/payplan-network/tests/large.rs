//! Deep and wide networks of 1,000,000 members load without stack overflow.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use payplan_network::{MemberRecord, Network, NetworkBuilder, NetworkError, Side, Value, NONE};
use rust_decimal::Decimal;

const N: u32 = 1_000_000;

fn values(schema_len: usize) -> Vec<Option<Value>> {
    let mut values = vec![Some(Value::Decimal(Decimal::ONE)); 2];
    values.resize(schema_len, None);
    values
}

/// Member `i`'s sponsor under `shape`, as an id.
fn sponsor_of(i: u32, chain: bool) -> Option<String> {
    match (i, chain) {
        (0, _) => None,
        (_, true) => Some(format!("M{}", i - 1)),
        (_, false) => Some("M0".to_owned()),
    }
}

fn build(chain: bool, reverse: bool) -> Network {
    let schema = binary_schema();
    let mut builder = NetworkBuilder::new(schema.clone());
    let order: Vec<u32> = if reverse {
        (0..N).rev().collect()
    } else {
        (0..N).collect()
    };
    for i in order {
        // Placement: a chain of left children (deep) in both shapes.
        builder.add(MemberRecord {
            id: format!("M{i}"),
            sponsor: sponsor_of(i, chain),
            placement: (i > 0).then(|| (format!("M{}", i - 1), Side::Left)),
            values: values(schema.columns.len()),
            matrix: Default::default(),
        });
    }
    builder.build().unwrap()
}

fn csv(chain: bool) -> String {
    let mut text = String::with_capacity(N as usize * 24);
    text.push_str("id,sponsor,pv,cv\n");
    // Members listed last to first, so every sponsor is a forward reference.
    for i in (0..N).rev() {
        text.push_str(&format!(
            "M{i},{},1,1\n",
            sponsor_of(i, chain).unwrap_or_default()
        ));
    }
    text
}

fn check_shape(net: &Network, chain: bool) {
    assert_eq!(net.len(), N as usize);
    for ix in (0..N).step_by(9973).chain([N - 1]) {
        assert_eq!(
            net.subtree_end(ix),
            if chain || ix == 0 { N } else { ix + 1 }
        );
        assert_eq!(
            net.sponsor(ix),
            if ix == 0 {
                NONE
            } else if chain {
                ix - 1
            } else {
                0
            }
        );
    }
    assert_eq!(net.index_of("M0"), Some(0));
}

#[test]
fn million_chain_and_star_with_the_builder() {
    let chain = build(true, false);
    check_shape(&chain, true);
    let tree = chain.placement().unwrap();
    assert_eq!(tree.end(0), N);
    assert_eq!(tree.pos(N - 1), N - 1);

    let star = build(false, true);
    check_shape(&star, false);
    // Input was last to first: children of M0 come in that order.
    assert_eq!(star.id(1), "M999999");
    let tree = star.placement().unwrap();
    assert_eq!(tree.order().first().map(|&ix| star.id(ix)), Some("M0"));
    assert_eq!(tree.end(star.index_of("M1").unwrap()), N);
}

#[test]
fn million_chain_and_star_from_csv() {
    for chain in [true, false] {
        let net = Network::from_csv_reader(csv(chain).as_bytes(), &plain_schema()).unwrap();
        check_shape(&net, chain);
        assert_eq!(net.file_row(0), N as usize - 1);
    }
}

#[test]
fn million_cycle_is_found_and_shortened() {
    // M0 -> M999999 -> ... -> M1 -> M0, plus a root.
    let text = csv(true).replace("\nM0,,", "\nM0,M999999,") + "R,,1,1\n";
    let err = Network::from_csv_reader(text.as_bytes(), &plain_schema()).unwrap_err();
    let NetworkError::SponsorCycle { ref cycle, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(cycle.len(), N as usize);
    // The earliest row on the cycle is M999999, on line 2.
    assert!(
        err.to_string()
            .starts_with("line 2: member `M999999` is on a sponsor cycle: M999999 -> M999998"),
        "{err}"
    );
    assert!(err.to_string().len() < 300);
}
