//! A deliberately naive, independent reference implementation of the six
//! reference plans of `/work/shared/spec/reference-plans.md`.
//!
//! It exists only to cross-check the real engine on random networks. It
//! shares no code with the engine, hard-codes every number of the spec and
//! does everything the obvious way: explicit children lists, explicit walks
//! up the sponsor and placement paths, ranks bottom-up in order of
//! decreasing depth. Arithmetic is exact `Decimal` (28 significant digits),
//! rounded to cents (half to even) only at the very end.
//!
//! The input must be a valid network file; invalid input panics.

use std::collections::HashMap;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// What `payplan run` prints (`payouts_csv`) and writes with `--members`
/// (`members_csv`, only for plans that export per-member values the
/// conformance checks: ranked, breakaway, binary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OracleOutput {
    pub payouts_csv: String,
    pub members_csv: Option<String>,
}

/// Runs reference plan `plan` ("unilevel", "unilevel_compressed", "ranked",
/// "breakaway", "binary", "hybrid") on the network CSV text `network_csv`.
pub fn run(plan: &str, network_csv: &str) -> OracleOutput {
    let net = Net::parse(network_csv, plan == "binary");
    match plan {
        "unilevel" => r1_unilevel(&net),
        "unilevel_compressed" => r2_unilevel_compressed(&net),
        "ranked" => r3_ranked(&net),
        "breakaway" => r4_breakaway(&net),
        "binary" => r5_binary(&net),
        "hybrid" => r6_hybrid(&net),
        "matrix" => r9_matrix(&net),
        other => panic!("oracle: unknown plan {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Numbers

/// `n` percent, exactly.
fn pct(n: i64) -> Decimal {
    Decimal::new(n, 2)
}

fn int(n: i64) -> Decimal {
    Decimal::from(n)
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|e| panic!("oracle: bad decimal {text:?}: {e}"))
}

/// Step 4: round to 0.01, half to even, symmetric for negatives.
fn round_cents(x: Decimal) -> Decimal {
    let mut r = x.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
    if r.is_zero() {
        // No "-0.00".
        r = Decimal::ZERO;
    }
    r.rescale(2);
    r
}

/// Exactly two decimals: `12.50`, `-0.12`, `1234.00`.
fn fmt_cents(x: Decimal) -> String {
    round_cents(x).to_string()
}

fn min(a: Decimal, b: Decimal) -> Decimal {
    if a < b {
        a
    } else {
        b
    }
}

// ---------------------------------------------------------------------------
// The network

struct Net {
    ids: Vec<String>,
    sponsor: Vec<Option<usize>>,
    pv: Vec<Decimal>,
    cv: Vec<Decimal>,
    /// Placement parent and side ('L' / 'R'); all `None` unless requested.
    placement: Vec<Option<(usize, char)>>,
    carry_left: Vec<Decimal>,
    carry_right: Vec<Decimal>,
    new: Vec<bool>,
    /// `joined`, where the file has the column (R9), else 0.
    joined: Vec<u64>,
    children: Vec<Vec<usize>>,
}

impl Net {
    fn parse(text: &str, with_placement: bool) -> Net {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let headers = rdr.headers().expect("oracle: header").clone();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let need = |name: &str| col(name).unwrap_or_else(|| panic!("oracle: no column {name}"));
        let (c_id, c_sponsor, c_pv, c_cv) = (need("id"), need("sponsor"), need("pv"), need("cv"));
        let c_placement = col("placement");
        let c_leg = col("leg");
        let c_carry_left = col("carry_left");
        let c_carry_right = col("carry_right");
        let c_new = col("new");
        let c_joined = col("joined");

        let mut rows: Vec<csv::StringRecord> = Vec::new();
        for rec in rdr.records() {
            rows.push(rec.expect("oracle: record"));
        }
        let cell = |row: &csv::StringRecord, c: Option<usize>| -> String {
            match c {
                Some(c) => row.get(c).expect("oracle: short row").to_string(),
                None => String::new(),
            }
        };

        let ids: Vec<String> = rows.iter().map(|r| cell(r, Some(c_id))).collect();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (i, id) in ids.iter().enumerate() {
            assert!(!id.is_empty(), "oracle: empty id");
            assert!(
                index.insert(id.as_str(), i).is_none(),
                "oracle: duplicate id {id}"
            );
        }
        let lookup = |name: &str| -> Option<usize> {
            if name.is_empty() {
                None
            } else {
                Some(
                    *index
                        .get(name)
                        .unwrap_or_else(|| panic!("oracle: unknown member {name}")),
                )
            }
        };

        let n = ids.len();
        let mut net = Net {
            sponsor: Vec::with_capacity(n),
            pv: Vec::with_capacity(n),
            cv: Vec::with_capacity(n),
            placement: Vec::with_capacity(n),
            carry_left: Vec::with_capacity(n),
            carry_right: Vec::with_capacity(n),
            new: Vec::with_capacity(n),
            joined: Vec::with_capacity(n),
            children: vec![Vec::new(); n],
            ids: Vec::new(),
        };
        for row in &rows {
            net.sponsor.push(lookup(&cell(row, Some(c_sponsor))));
            net.pv.push(dec(&cell(row, Some(c_pv))));
            net.cv.push(dec(&cell(row, Some(c_cv))));
            let opt_dec = |c: Option<usize>| {
                let s = cell(row, c);
                if s.is_empty() {
                    Decimal::ZERO
                } else {
                    dec(&s)
                }
            };
            net.carry_left.push(opt_dec(c_carry_left));
            net.carry_right.push(opt_dec(c_carry_right));
            net.new.push(cell(row, c_new) == "true");
            net.joined.push(match c_joined {
                Some(_) => cell(row, c_joined).parse().expect("oracle: bad joined"),
                None => 0,
            });
            if with_placement {
                assert!(
                    c_placement.is_some() && c_leg.is_some(),
                    "oracle: binary needs placement and leg"
                );
                let parent = lookup(&cell(row, c_placement));
                let leg = cell(row, c_leg);
                net.placement.push(match parent {
                    None => None,
                    Some(p) => match leg.as_str() {
                        "L" => Some((p, 'L')),
                        "R" => Some((p, 'R')),
                        other => panic!("oracle: bad leg {other:?}"),
                    },
                });
            } else {
                net.placement.push(None);
            }
        }
        for m in 0..n {
            if let Some(s) = net.sponsor[m] {
                net.children[s].push(m);
            }
        }
        net.ids = ids;
        net
    }

    fn len(&self) -> usize {
        self.ids.len()
    }

    fn active(&self, m: usize) -> bool {
        self.pv[m] >= int(100)
    }

    /// The sponsor path above `m`, nearest first (`m` excluded).
    fn ancestors(&self, m: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut cur = self.sponsor[m];
        while let Some(a) = cur {
            assert!(out.len() <= self.len(), "oracle: sponsor cycle");
            out.push(a);
            cur = self.sponsor[a];
        }
        out
    }

    /// Ancestors of `d` with the plain and compressed level of `d` below each.
    /// Items: (ancestor, plain level, compressed level).
    fn levels_above(&self, d: usize) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        let mut active_between = 0;
        for (i, a) in self.ancestors(d).into_iter().enumerate() {
            out.push((a, i + 1, 1 + active_between));
            if self.active(a) {
                active_between += 1;
            }
        }
        out
    }

    fn total_cv(&self) -> Decimal {
        self.cv.iter().copied().sum()
    }

    /// GV(m) = PV(m) + PV of the whole downline, by walking up from everyone.
    fn group_volumes(&self) -> Vec<Decimal> {
        let mut gv = self.pv.clone();
        for d in 0..self.len() {
            for a in self.ancestors(d) {
                gv[a] += self.pv[d];
            }
        }
        gv
    }
}

// ---------------------------------------------------------------------------
// Ranks

enum Req {
    Pv(Decimal),
    Gv(Decimal),
    /// qgv(p) >= x
    Qgv(Decimal, Decimal),
    /// legs(rank index) >= n
    Legs(usize, usize),
}

/// Rank index per member (`None` = no rank); `reqs[r]` are the requirements
/// of rank `r`, ranks ascending.
fn compute_ranks(net: &Net, reqs: &[Vec<Req>]) -> Vec<Option<usize>> {
    let n = net.len();
    let gv = net.group_volumes();
    let mut order: Vec<usize> = (0..n).collect();
    let depth: Vec<usize> = (0..n).map(|m| net.ancestors(m).len()).collect();
    // Deepest first: every descendant of m is processed before m.
    order.sort_by(|a, b| depth[*b].cmp(&depth[*a]));
    let mut rank: Vec<Option<usize>> = vec![None; n];
    // Highest rank anywhere in the subtree of m (m included).
    let mut best: Vec<Option<usize>> = vec![None; n];
    for &m in &order {
        let holds = |req: &Req| -> bool {
            match req {
                Req::Pv(x) => net.pv[m] >= *x,
                Req::Gv(x) => gv[m] >= *x,
                Req::Qgv(p, x) => {
                    let mut q = net.pv[m];
                    for &c in &net.children[m] {
                        q += min(gv[c], *p * *x);
                    }
                    q >= *x
                }
                Req::Legs(r, k) => {
                    let count = net.children[m]
                        .iter()
                        .filter(|&&c| {
                            assert!(depth[c] > depth[m]);
                            best[c] >= Some(*r)
                        })
                        .count();
                    count >= *k
                }
            }
        };
        let mut r_m = None;
        for (r, rq) in reqs.iter().enumerate() {
            if rq.iter().all(holds) {
                r_m = Some(r);
            }
        }
        rank[m] = r_m;
        let mut b = r_m;
        for &c in &net.children[m] {
            if best[c] > b {
                b = best[c];
            }
        }
        best[m] = b;
    }
    rank
}

fn members_rank_csv(net: &Net, rank: &[Option<usize>], names: &[&str]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(["member", "rank"]).expect("oracle: write");
    for m in 0..net.len() {
        let name = rank[m].map(|r| names[r]).unwrap_or("");
        w.write_record([net.ids[m].as_str(), name])
            .expect("oracle: write");
    }
    String::from_utf8(w.into_inner().expect("oracle: flush")).expect("oracle: utf8")
}

// ---------------------------------------------------------------------------
// Steps 3 and 4, and the payout table

/// `amounts[m][b]` are the amounts after step 2 (per-member caps), bonus `b`
/// in declaration order. Applies the global cap `c` (a fraction of TOTAL_CV)
/// when given, rounds, and prints the payout table.
fn payouts(
    net: &Net,
    bonuses: &[&str],
    amounts: &[Vec<Decimal>],
    global_cap: Option<Decimal>,
) -> String {
    let mut amounts: Vec<Vec<Decimal>> = amounts.to_vec();
    if let Some(c) = global_cap {
        let limit = {
            let l = c * net.total_cv();
            if l < Decimal::ZERO {
                Decimal::ZERO
            } else {
                l
            }
        };
        let t: Decimal = amounts.iter().flatten().copied().sum();
        if t > limit && t > Decimal::ZERO {
            for row in &mut amounts {
                for a in row.iter_mut() {
                    *a = *a * limit / t;
                }
            }
        }
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(["member", "bonus", "amount"])
        .expect("oracle: write");
    for m in 0..net.len() {
        assert_eq!(amounts[m].len(), bonuses.len());
        for (b, name) in bonuses.iter().enumerate() {
            let r = round_cents(amounts[m][b]);
            if !r.is_zero() {
                w.write_record([net.ids[m].as_str(), name, &fmt_cents(r)])
                    .expect("oracle: write");
            }
        }
    }
    String::from_utf8(w.into_inner().expect("oracle: flush")).expect("oracle: utf8")
}

// ---------------------------------------------------------------------------
// R1, R2

fn unilevel_rate(k: usize) -> Decimal {
    match k {
        1 => pct(10),
        2 | 3 => pct(5),
        4 => pct(3),
        5 => pct(2),
        _ => Decimal::ZERO,
    }
}

fn r1_unilevel(net: &Net) -> OracleOutput {
    let mut amt = vec![vec![Decimal::ZERO]; net.len()];
    for d in 0..net.len() {
        for (a, plain, _compressed) in net.levels_above(d) {
            if plain <= 5 && net.active(a) {
                amt[a][0] += unilevel_rate(plain) * net.cv[d];
            }
        }
    }
    OracleOutput {
        payouts_csv: payouts(net, &["unilevel"], &amt, None),
        members_csv: None,
    }
}

fn r2_unilevel_compressed(net: &Net) -> OracleOutput {
    let mut amt = vec![vec![Decimal::ZERO]; net.len()];
    for d in 0..net.len() {
        for (a, _plain, compressed) in net.levels_above(d) {
            if compressed <= 5 && net.active(a) {
                amt[a][0] += unilevel_rate(compressed) * net.cv[d];
            }
        }
    }
    OracleOutput {
        payouts_csv: payouts(net, &["unilevel"], &amt, None),
        members_csv: None,
    }
}

// ---------------------------------------------------------------------------
// R3 ranked

fn r3_ranked(net: &Net) -> OracleOutput {
    const BRONZE: usize = 0;
    const SILVER: usize = 1;
    const GOLD: usize = 2;
    const DIAMOND: usize = 3;
    let names = ["bronze", "silver", "gold", "diamond"];
    let reqs = vec![
        vec![Req::Pv(int(100))],
        vec![Req::Pv(int(100)), Req::Qgv(pct(50), int(1000))],
        vec![
            Req::Pv(int(100)),
            Req::Qgv(pct(50), int(5000)),
            Req::Legs(SILVER, 2),
        ],
        vec![
            Req::Pv(int(200)),
            Req::Qgv(pct(40), int(20000)),
            Req::Legs(GOLD, 3),
        ],
    ];
    let rank = compute_ranks(net, &reqs);
    let depth_limit = |r: Option<usize>| -> usize {
        match r {
            Some(BRONZE) => 2,
            Some(SILVER) => 4,
            Some(GOLD) => 6,
            Some(DIAMOND) => 7,
            _ => 0,
        }
    };
    let rate = |k: usize| -> Decimal {
        match k {
            1 => pct(8),
            2 => pct(6),
            3 => pct(5),
            4 => pct(4),
            5 => pct(3),
            6 | 7 => pct(2),
            _ => Decimal::ZERO,
        }
    };
    let n = net.len();

    // unilevel, raw then capped
    let mut unilevel = vec![Decimal::ZERO; n];
    for d in 0..n {
        for (a, _plain, compressed) in net.levels_above(d) {
            if compressed <= depth_limit(rank[a]) {
                unilevel[a] += rate(compressed) * net.cv[d];
            }
        }
    }
    for u in &mut unilevel {
        *u = min(*u, int(2500));
    }

    // matching reads the capped unilevel
    let mut matching = vec![Decimal::ZERO; n];
    for m in 0..n {
        let on_children = match rank[m] {
            Some(GOLD) | Some(DIAMOND) => pct(20),
            _ => Decimal::ZERO,
        };
        let on_grandchildren = match rank[m] {
            Some(DIAMOND) => pct(10),
            _ => Decimal::ZERO,
        };
        for &c in &net.children[m] {
            matching[m] += on_children * unilevel[c];
            for &g in &net.children[c] {
                matching[m] += on_grandchildren * unilevel[g];
            }
        }
        matching[m] = min(matching[m], int(1000));
    }

    let amt: Vec<Vec<Decimal>> = (0..n).map(|m| vec![unilevel[m], matching[m]]).collect();
    OracleOutput {
        payouts_csv: payouts(net, &["unilevel", "matching"], &amt, Some(pct(45))),
        members_csv: Some(members_rank_csv(net, &rank, &names)),
    }
}

// ---------------------------------------------------------------------------
// R4 breakaway

fn r4_breakaway(net: &Net) -> OracleOutput {
    const MANAGER: usize = 2;
    const DIRECTOR: usize = 3;
    let names = ["associate", "senior", "manager", "director"];
    let percent = [pct(5), pct(10), pct(15), pct(20)];
    let reqs = vec![
        vec![Req::Pv(int(50))],
        vec![Req::Pv(int(100)), Req::Gv(int(1000))],
        vec![Req::Pv(int(100)), Req::Gv(int(3000))],
        vec![Req::Pv(int(100)), Req::Gv(int(8000)), Req::Legs(MANAGER, 1)],
    ];
    let rank = compute_ranks(net, &reqs);
    let n = net.len();
    let mut differential = vec![Decimal::ZERO; n];
    let mut generation = vec![Decimal::ZERO; n];
    for d in 0..n {
        // The walk: d itself, then its sponsor, ... up to the root.
        let mut walk = vec![d];
        walk.extend(net.ancestors(d));

        let mut paid = Decimal::ZERO;
        for &a in &walk {
            if let Some(r) = rank[a] {
                let p = percent[r];
                if p > paid {
                    differential[a] += (p - paid) * net.cv[d];
                    paid = p;
                }
            }
        }

        let directors: Vec<usize> = walk
            .iter()
            .copied()
            .filter(|&a| rank[a] == Some(DIRECTOR))
            .collect();
        // directors[0] is b; the next three above it earn 5%, 3%, 2%.
        let gen_rates = [pct(5), pct(3), pct(2)];
        for (i, &a) in directors.iter().skip(1).take(3).enumerate() {
            generation[a] += gen_rates[i] * net.cv[d];
        }
    }
    let amt: Vec<Vec<Decimal>> = (0..n)
        .map(|m| vec![differential[m], generation[m]])
        .collect();
    OracleOutput {
        payouts_csv: payouts(net, &["differential", "generation"], &amt, None),
        members_csv: Some(members_rank_csv(net, &rank, &names)),
    }
}

// ---------------------------------------------------------------------------
// R5 binary

/// The side ('L' / 'R') of `m`'s placement subtree that contains `x`, or
/// `None` when `x` is not a placement descendant of `m`.
fn placement_side(net: &Net, m: usize, x: usize) -> Option<char> {
    let mut cur = x;
    let mut steps = 0;
    while let Some((p, side)) = net.placement[cur] {
        if p == m {
            return Some(side);
        }
        cur = p;
        steps += 1;
        assert!(steps <= net.len(), "oracle: placement cycle");
    }
    None
}

fn r5_binary(net: &Net) -> OracleOutput {
    let n = net.len();
    let mut lv = net.carry_left.clone();
    let mut rv = net.carry_right.clone();
    // Every member's PV goes to the matching side of every placement ancestor.
    for x in 0..n {
        let mut cur = x;
        let mut steps = 0;
        while let Some((p, side)) = net.placement[cur] {
            if side == 'L' {
                lv[p] += net.pv[x];
            } else {
                rv[p] += net.pv[x];
            }
            cur = p;
            steps += 1;
            assert!(steps <= n, "oracle: placement cycle");
        }
    }
    let mut binary = vec![Decimal::ZERO; n];
    let mut carry_out = vec![(Decimal::ZERO, Decimal::ZERO); n];
    let flush = int(5000);
    for m in 0..n {
        let has_active_child_on = |side: char| {
            net.children[m]
                .iter()
                .any(|&c| net.active(c) && placement_side(net, m, c) == Some(side))
        };
        let qualified = net.active(m) && has_active_child_on('L') && has_active_child_on('R');
        if qualified {
            let paired = min(lv[m], rv[m]);
            binary[m] = min(pct(10) * paired, int(500));
            carry_out[m] = (min(lv[m] - paired, flush), min(rv[m] - paired, flush));
        } else {
            carry_out[m] = (min(lv[m], flush), min(rv[m], flush));
        }
    }
    let amt: Vec<Vec<Decimal>> = binary.iter().map(|b| vec![*b]).collect();

    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(["member", "carry_left", "carry_right"])
        .expect("oracle: write");
    for m in 0..n {
        let (l, r) = carry_out[m];
        w.write_record([net.ids[m].as_str(), &fmt_cents(l), &fmt_cents(r)])
            .expect("oracle: write");
    }
    let members = String::from_utf8(w.into_inner().expect("oracle: flush")).expect("oracle: utf8");
    OracleOutput {
        payouts_csv: payouts(net, &["binary"], &amt, None),
        members_csv: Some(members),
    }
}

// ---------------------------------------------------------------------------
// R6 hybrid

fn r6_hybrid(net: &Net) -> OracleOutput {
    let n = net.len();
    let gv = net.group_volumes();
    let total_cv = net.total_cv();

    let mut retail = vec![Decimal::ZERO; n];
    let mut fast_start = vec![Decimal::ZERO; n];
    let mut unilevel = vec![Decimal::ZERO; n];
    let mut pool = vec![Decimal::ZERO; n];

    for m in 0..n {
        retail[m] = pct(20) * net.cv[m];
        if net.active(m) {
            for &c in &net.children[m] {
                if net.new[c] {
                    fast_start[m] += pct(25) * net.cv[c];
                }
            }
        }
    }
    for d in 0..n {
        for (a, _plain, compressed) in net.levels_above(d) {
            let rate = match compressed {
                1 => pct(5),
                2 => pct(3),
                3 => pct(2),
                _ => Decimal::ZERO,
            };
            if net.active(a) {
                unilevel[a] += rate * net.cv[d];
            }
        }
    }
    let pool_total = pct(2) * total_cv;
    let mut shares = vec![0i64; n];
    for m in 0..n {
        if net.active(m) && gv[m] >= int(5000) {
            let big_legs = net.children[m]
                .iter()
                .filter(|&&c| gv[c] >= int(1000))
                .count();
            shares[m] = 1 + i64::try_from(big_legs).expect("oracle: legs");
        }
    }
    let total_shares: i64 = shares.iter().sum();
    if total_shares > 0 {
        for m in 0..n {
            pool[m] = pool_total * int(shares[m]) / int(total_shares);
        }
    }
    let amt: Vec<Vec<Decimal>> = (0..n)
        .map(|m| vec![retail[m], fast_start[m], unilevel[m], pool[m]])
        .collect();
    OracleOutput {
        payouts_csv: payouts(
            net,
            &["retail", "fast_start", "unilevel", "pool"],
            &amt,
            Some(pct(60)),
        ),
        members_csv: None,
    }
}

// ---------------------------------------------------------------------------
// Plans that read the earner's own values (`my`): tests/plan_tests/earner/

/// Runs one of the plans of `tests/plan_tests/earner/` ("stairstep",
/// "leaders", "lower_plan", "peers", "rated") on `network_csv`: for every
/// source member, its sponsor path is walked up and each ancestor is an
/// earner at the source's plain level below it; each plan's rule is
/// written out with the earner's and the source's values side by side.
pub fn run_earner(plan: &str, network_csv: &str) -> OracleOutput {
    let net = Net::parse(network_csv, false);
    let n = net.len();
    let mut amt = vec![vec![Decimal::ZERO]; n];
    // (earner, level of the source below it; 0 for the earner itself)
    let earners = |x: usize| {
        std::iter::once((x, 0))
            .chain(
                net.ancestors(x)
                    .into_iter()
                    .enumerate()
                    .map(|(i, a)| (a, i + 1)),
            )
            .collect::<Vec<_>>()
    };
    let step_pct = |m: usize| {
        if net.pv[m] >= int(1000) {
            pct(20)
        } else if net.pv[m] >= int(500) {
            pct(10)
        } else {
            pct(5)
        }
    };
    // 0 none, 1 silver, 2 gold
    let rank = |m: usize| {
        if net.pv[m] >= int(500) {
            2
        } else if net.pv[m] >= int(100) {
            1
        } else {
            0
        }
    };
    let plan_pct = |m: usize| [Decimal::ZERO, pct(5), pct(10)][rank(m)];
    let name = match plan {
        "stairstep" => {
            for x in 0..n {
                for (e, level) in earners(x) {
                    if level == 1 && step_pct(x) < step_pct(e) {
                        amt[e][0] += (step_pct(e) - step_pct(x)) * net.cv[x];
                    }
                }
            }
            "stairstep"
        }
        "leaders" => {
            let mut peers = vec![0i64; n];
            for x in 0..n {
                for (e, level) in earners(x) {
                    if (1..=3).contains(&level) && rank(x) >= rank(e) {
                        peers[e] += 1;
                    }
                }
            }
            for e in 0..n {
                if rank(e) >= 1 {
                    amt[e][0] = int(peers[e]) * (pct(2) * net.cv[e]);
                }
            }
            "leadership"
        }
        "lower_plan" => {
            for x in 0..n {
                for (e, level) in earners(x) {
                    if level >= 1 {
                        amt[e][0] += min(plan_pct(e), plan_pct(x)) * net.cv[x];
                    }
                }
            }
            "override"
        }
        "peers" => {
            let active = |m: usize| net.pv[m] >= int(100);
            for x in 0..n {
                for (e, _) in earners(x) {
                    if active(x) == active(e) {
                        amt[e][0] += pct(10) * net.cv[x];
                    }
                }
            }
            "peers"
        }
        "rated" => {
            let rates = [pct(10), pct(5), pct(2)];
            for x in 0..n {
                for (e, level) in earners(x) {
                    if (1..=3).contains(&level) && net.pv[x] <= net.pv[e] {
                        amt[e][0] += rates[level - 1] * net.cv[x];
                    }
                }
            }
            "rated"
        }
        other => panic!("oracle: unknown earner plan {other:?}"),
    };
    OracleOutput {
        payouts_csv: payouts(&net, &[name], &amt, None),
        members_csv: None,
    }
}

// ---------------------------------------------------------------------------
// R9: the 3-wide forced matrix, placed by rescanning the sponsor's matrix
// subtree breadth first for every recruit (quadratic, obviously right).

/// Matrix parent and position (1..=3) of every member; `None` for a root.
fn matrix_places(net: &Net) -> Vec<Option<(usize, usize)>> {
    let n = net.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&m| (net.joined[m], m));
    let mut kids: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut place: Vec<Option<(usize, usize)>> = vec![None; n];
    for m in order {
        let Some(s) = net.sponsor[m] else { continue };
        assert!(
            net.joined[m] > net.joined[s],
            "oracle: joined not after sponsor"
        );
        // Breadth first from the sponsor: the first node with an open position.
        let mut queue = std::collections::VecDeque::from([s]);
        while let Some(x) = queue.pop_front() {
            if kids[x].len() < 3 {
                kids[x].push(m);
                place[m] = Some((x, kids[x].len()));
                break;
            }
            queue.extend(kids[x].iter().copied());
        }
    }
    place
}

fn matrix_rate(k: usize) -> Decimal {
    match k {
        1 | 2 => pct(5),
        3 | 4 => pct(4),
        5 | 6 => pct(3),
        7 => pct(2),
        _ => Decimal::ZERO,
    }
}

fn r9_matrix(net: &Net) -> OracleOutput {
    let place = matrix_places(net);
    let n = net.len();
    let mut amt = vec![vec![Decimal::ZERO; 2]; n];
    // Members per matrix level 1..3 below each member.
    let mut filled = vec![[0usize; 4]; n];
    for d in 0..n {
        let mut k = 0;
        let mut cur = place[d].map(|(p, _)| p);
        while let Some(a) = cur {
            k += 1;
            if k <= 7 && net.active(a) {
                amt[a][0] += matrix_rate(k) * net.cv[d];
            }
            if k <= 3 {
                filled[a][k] += 1;
            }
            cur = place[a].map(|(p, _)| p);
        }
    }
    for m in 0..n {
        amt[m][0] = min(amt[m][0], int(1500));
        if filled[m][1] == 3 && filled[m][2] == 9 && filled[m][3] == 27 {
            amt[m][1] = int(250);
        }
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(["member", "matrix_parent", "matrix_position"])
        .expect("oracle: write");
    for m in 0..n {
        let (parent, pos) = match place[m] {
            Some((p, k)) => (net.ids[p].clone(), k.to_string()),
            None => (String::new(), String::new()),
        };
        w.write_record([net.ids[m].as_str(), &parent, &pos])
            .expect("oracle: write");
    }
    OracleOutput {
        payouts_csv: payouts(net, &["matrix", "completion"], &amt, None),
        members_csv: Some(
            String::from_utf8(w.into_inner().expect("oracle: flush")).expect("oracle: utf8"),
        ),
    }
}
