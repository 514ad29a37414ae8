//! Shared helpers: the schemas of the reference plans and naive checks of a network.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    dead_code
)]

use std::collections::HashMap;
use std::path::PathBuf;

use payplan_network::{ColumnSpec, MemberIx, Network, Schema, Side, Value, NONE};
use rust_decimal::Decimal;

/// `tests/conformance` of the workspace.
pub fn conformance_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance")
}

/// pv, cv required decimals and `new` (default false): the non-binary plans.
pub fn plain_schema() -> Schema {
    Schema {
        columns: vec![
            ColumnSpec::decimal("pv"),
            ColumnSpec::decimal("cv"),
            ColumnSpec::bool("new").with_default(Value::Bool(false)),
        ],
        placement: false,
        matrix: None,
    }
}

/// pv, cv required, carry_left/carry_right default 0 min 0, with placement: R5.
pub fn binary_schema() -> Schema {
    let carry = |name: &str| {
        ColumnSpec::decimal(name)
            .with_default(Value::Decimal(Decimal::ZERO))
            .with_min(Decimal::ZERO)
    };
    Schema {
        columns: vec![
            ColumnSpec::decimal("pv"),
            ColumnSpec::decimal("cv"),
            carry("carry_left"),
            carry("carry_right"),
        ],
        placement: true,
        matrix: None,
    }
}

/// The numbers standing as separate tokens in a message.
pub fn numbers_in(message: &str) -> Vec<u64> {
    message
        .split(|c: char| !c.is_ascii_digit())
        .filter(|token| !token.is_empty())
        .filter_map(|token| token.parse().ok())
        .collect()
}

/// Checks the sponsor preorder against a naive computation: sponsors come
/// first, subtree ranges hold exactly the descendants, roots and children in
/// input order, and file order / ids / index_of agree.
pub fn check_sponsor_preorder(net: &Network) {
    let n = net.len();
    let n_ix = n as MemberIx;
    assert_eq!(net.file_order().len(), n);
    for row in 0..n {
        let ix = net.file_order()[row];
        assert_eq!(net.file_row(ix), row);
        assert_eq!(net.index_of(net.id(ix)), Some(ix));
    }
    // Sponsor before member; ranges nest.
    let mut depth = vec![0u64; n];
    for ix in 0..n_ix {
        let s = net.sponsor(ix);
        let end = net.subtree_end(ix);
        assert!(end > ix && end <= n_ix);
        if s != NONE {
            assert!(s < ix, "sponsor after member");
            depth[ix as usize] = depth[s as usize] + 1;
        }
    }
    // Every ancestor-or-self range contains the member ...
    for m in 0..n_ix {
        let mut a = m;
        while a != NONE {
            assert!(a <= m && m < net.subtree_end(a));
            a = net.sponsor(a);
        }
    }
    // ... and the ranges hold no more pairs than there are ancestor pairs.
    let range_pairs: u64 = (0..n_ix).map(|a| u64::from(net.subtree_end(a) - a)).sum();
    let ancestor_pairs: u64 = depth.iter().map(|d| d + 1).sum();
    assert_eq!(range_pairs, ancestor_pairs);
    // Roots and children in input order.
    let mut children: HashMap<MemberIx, Vec<MemberIx>> = HashMap::new();
    for ix in 0..n_ix {
        children.entry(net.sponsor(ix)).or_default().push(ix);
    }
    for (parent, kids) in &children {
        let rows: Vec<usize> = kids.iter().map(|&k| net.file_row(k)).collect();
        assert!(
            rows.windows(2).all(|w| w[0] < w[1]),
            "children of {parent} out of input order"
        );
        if *parent != NONE {
            assert_eq!(net.children(*parent).collect::<Vec<_>>(), *kids);
        } else {
            assert_eq!(net.roots().collect::<Vec<_>>(), *kids);
        }
    }
}

/// Checks the placement tree: contiguous subtrees in its preorder (naively),
/// left before right, roots in input order, parent/child/side consistent.
pub fn check_placement(net: &Network) {
    let tree = net.placement().expect("placement tree");
    let n = net.len();
    let n_ix = n as MemberIx;
    assert_eq!(tree.order().len(), n);
    let mut depth = vec![0u64; n];
    for (k, &ix) in tree.order().iter().enumerate() {
        assert_eq!(tree.pos(ix) as usize, k);
        let p = tree.parent(ix);
        if p != NONE {
            assert!(tree.pos(p) < tree.pos(ix));
            depth[ix as usize] = depth[p as usize] + 1;
            assert_eq!(tree.child(p, tree.side(ix).unwrap()), ix);
        } else {
            assert_eq!(tree.side(ix), None);
        }
    }
    for m in 0..n_ix {
        let mut a = m;
        while a != NONE {
            assert!(tree.pos(a) <= tree.pos(m) && tree.pos(m) < tree.end(a));
            assert!(tree.subtree(a).contains(&m));
            a = tree.parent(a);
        }
        let left = tree.child(m, Side::Left);
        let right = tree.child(m, Side::Right);
        let mut next = tree.pos(m) + 1;
        if left != NONE {
            assert_eq!(tree.parent(left), m);
            assert_eq!(tree.pos(left), next);
            next = tree.end(left);
        }
        if right != NONE {
            assert_eq!(tree.parent(right), m);
            assert_eq!(tree.pos(right), next);
            next = tree.end(right);
        }
        assert_eq!(tree.end(m), next);
    }
    let range_pairs: u64 = (0..n_ix)
        .map(|a| u64::from(tree.end(a) - tree.pos(a)))
        .sum();
    let ancestor_pairs: u64 = depth.iter().map(|d| d + 1).sum();
    assert_eq!(range_pairs, ancestor_pairs);
    let roots: Vec<usize> = tree
        .order()
        .iter()
        .filter(|&&ix| tree.parent(ix) == NONE)
        .map(|&ix| net.file_row(ix))
        .collect();
    assert!(roots.windows(2).all(|w| w[0] < w[1]));
}
