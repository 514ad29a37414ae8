//! Structural properties of the shapes, determinism and placement validity.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use super::*;

fn options(members: u64, seed: u64, shape: Shape) -> GenOptions {
    GenOptions {
        members,
        seed,
        shape,
        placement: false,
        new: false,
        joined: false,
    }
}

fn build(o: &GenOptions) -> Structure {
    Structure::build(o, &mut |_| {}).unwrap()
}

fn csv(o: &GenOptions) -> Vec<u8> {
    let mut out = Vec::new();
    generate(o, &mut out, &mut |_| {}).unwrap();
    out
}

/// Roots, the greatest depth, and every member's number of recruits.
struct Stats {
    roots: usize,
    depth: usize,
    recruits: Vec<usize>,
}

fn stats(s: &Structure) -> Stats {
    let n = s.len();
    let mut depth = vec![0usize; n];
    let mut recruits = vec![0usize; n];
    let mut roots = 0;
    for m in 0..n {
        match s.sponsor(m) {
            None => roots += 1,
            Some(p) => {
                assert!(p < m, "sponsor {p} of {m} joined later");
                depth[m] = depth[p] + 1;
                recruits[p] += 1;
            }
        }
    }
    Stats {
        roots,
        depth: depth.iter().copied().max().unwrap_or(0),
        recruits,
    }
}

#[test]
fn chain_star_and_broom_have_their_shapes() {
    let n = 1001;
    let chain = stats(&build(&options(n, 3, Shape::Chain)));
    assert_eq!((chain.roots, chain.depth), (1, 1000));
    let star = stats(&build(&options(n, 3, Shape::Star)));
    assert_eq!((star.roots, star.depth), (1, 1));
    assert_eq!(star.recruits[0], 1000);
    let broom = stats(&build(&options(n, 3, Shape::Broom)));
    assert_eq!(broom.roots, 1);
    assert_eq!(broom.depth, 501);
    assert_eq!(broom.recruits.iter().copied().max(), Some(500));
}

#[test]
fn one_member_is_one_root() {
    for shape in Shape::ALL {
        let mut o = options(1, 9, shape);
        o.placement = true;
        o.new = true;
        let s = build(&o);
        assert_eq!(s.len(), 1);
        assert_eq!(s.sponsor(0), None);
        assert_eq!(s.placement(0), None);
        let text = String::from_utf8(csv(&o)).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
    }
}

#[test]
fn zero_and_too_many_members_are_refused() {
    for members in [0, MAX_MEMBERS + 1, u64::MAX] {
        let e = generate(
            &options(members, 1, Shape::Mlm),
            &mut Vec::new(),
            &mut |_| {},
        )
        .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("between 1 and"), "{e}");
    }
}

#[test]
fn mlm_is_heavy_tailed_with_few_roots_and_depth() {
    let n = 300_000;
    let st = stats(&build(&options(n, 1, Shape::Mlm)));
    let n = n as usize;
    assert!((1..=12).contains(&st.roots), "roots {}", st.roots);
    let idle = st.recruits.iter().filter(|&&r| r == 0).count();
    assert!(idle > n * 6 / 10, "{idle} recruit nobody");
    let max = st.recruits.iter().copied().max().unwrap();
    assert!(max > 200, "max recruits {max} (mean about 1)");
    assert!(st.depth > 100, "depth {}", st.depth);
    // Small networks have a single root and still a heavy tail.
    let small = stats(&build(&options(2000, 5, Shape::Mlm)));
    assert_eq!(small.roots, 1);
    assert!(small.recruits.iter().copied().max().unwrap() > 20);
}

#[test]
fn pref_is_one_tree_with_hubs() {
    let n = 100_000;
    let st = stats(&build(&options(n, 2, Shape::Pref)));
    assert_eq!(st.roots, 1);
    let max = st.recruits.iter().copied().max().unwrap();
    assert!(max > 100, "max recruits {max}");
    let idle = st.recruits.iter().filter(|&&r| r == 0).count();
    assert!(idle > n as usize / 3, "{idle}");
}

#[test]
fn output_is_deterministic_and_depends_on_the_seed() {
    for shape in Shape::ALL {
        for (placement, new) in [(false, false), (true, true)] {
            let mut o = options(3000, 11, shape);
            o.placement = placement;
            o.new = new;
            let a = csv(&o);
            assert_eq!(a, csv(&o), "{shape:?}");
            o.seed = 12;
            assert_ne!(a, csv(&o), "{shape:?}");
        }
    }
}

#[test]
fn placement_is_a_binary_tree_inside_the_sponsors_subtree() {
    for shape in Shape::ALL {
        for seed in [1, 2] {
            let mut o = options(20_000, seed, shape);
            o.placement = true;
            let s = build(&o);
            let n = s.len();
            let mut taken = std::collections::BTreeSet::new();
            let mut placement_depth = vec![0usize; n];
            for m in 0..n {
                match (s.sponsor(m), s.placement(m)) {
                    (None, None) => {}
                    (Some(sponsor), Some((parent, leg))) => {
                        assert!(parent < m);
                        assert!(taken.insert((parent, leg)), "{shape:?}: slot taken twice");
                        placement_depth[m] = placement_depth[parent] + 1;
                        // Walk up the placement tree: the sponsor is an ancestor.
                        let mut up = parent;
                        while up != sponsor {
                            up = s.placement(up).expect("reaches the sponsor").0;
                        }
                    }
                    other => panic!("{shape:?}: member {m}: {other:?}"),
                }
            }
        }
    }
}

#[test]
fn placement_does_not_change_sponsors_or_values() {
    let mut o = options(2000, 4, Shape::Mlm);
    let plain = String::from_utf8(csv(&o)).unwrap();
    o.placement = true;
    let placed = String::from_utf8(csv(&o)).unwrap();
    for (a, b) in plain.lines().zip(placed.lines()).skip(1) {
        let a: Vec<&str> = a.split(',').collect();
        let b: Vec<&str> = b.split(',').collect();
        assert_eq!(a[..], b[..4]);
    }
}

#[test]
fn rows_are_shuffled_with_unique_ids() {
    let o = options(5000, 8, Shape::Chain);
    let text = String::from_utf8(csv(&o)).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("id,sponsor,pv,cv"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 5000);
    let ids: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(ids.len(), 5000);
    assert!(ids.iter().all(|id| id.len() == 9 && id.starts_with('M')));
    assert_eq!(member_id(8, 0).len(), 9);
    let row_of: std::collections::BTreeMap<&str, usize> =
        rows.iter().enumerate().map(|(i, r)| (r[0], i)).collect();
    let later = rows
        .iter()
        .enumerate()
        .filter(|(i, r)| !r[1].is_empty() && row_of[r[1]] > *i)
        .count();
    assert!(
        later > 1000 && later < 4000,
        "{later} sponsors after their recruits"
    );
}

#[test]
fn ids_are_m_and_eight_hex_digits() {
    for m in [0, 1, 2, 1000, 123_456_789, u32::MAX - 1] {
        for key in [0, 0x1234_5678, u32::MAX] {
            let mut buf = Vec::new();
            push_id(&mut buf, key, m);
            let expected = format!("M{:08x}", rng::mix32(m, key));
            assert_eq!(String::from_utf8(buf).unwrap(), expected);
        }
    }
    assert_eq!(
        member_id(3, 7),
        format!("M{:08x}", rng::mix32(7, id_key(3)))
    );
}

#[test]
fn decimals_are_written_like_the_spec() {
    let cases = [
        (0, 0, "0"),
        (12, 0, "12"),
        (125, 1, "12.5"),
        (-325, 2, "-3.25"),
        (7, 2, "0.07"),
        (1250, 2, "12.5"),
        (1200, 2, "12"),
        (-5, 1, "-0.5"),
        (i64::MIN + 1, 2, "-92233720368547758.07"),
    ];
    for (mantissa, scale, text) in cases {
        let mut buf = Vec::new();
        push_decimal(&mut buf, Decimal { mantissa, scale });
        assert_eq!(String::from_utf8(buf).unwrap(), text);
    }
}

#[test]
fn progress_reaches_the_total() {
    let mut o = options(200_000, 1, Shape::Mlm);
    o.placement = true;
    let mut last = None;
    let mut sink = io::sink();
    generate(&o, &mut sink, &mut |p| {
        if let Some(Progress { done, .. }) = last {
            assert!(p.done >= done);
        }
        last = Some(p);
    })
    .unwrap();
    let last = last.unwrap();
    assert_eq!(
        (last.stage, last.done, last.total),
        (Stage::Rows, 1_200_000, 1_200_000)
    );
}
