//! Deterministic random generator of VALID network files (spec section 1),
//! tuned to hunt edge cases: ids that are not row numbers, rows shuffled so
//! that sponsors often come after their children, volumes sitting exactly
//! on the spec's thresholds, refunds, optional cells left empty, shuffled
//! and unknown columns, CRLF, a byte-order mark and blank lines now and then.

use std::collections::HashSet;

/// Shape of the sponsor tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One root; each member sponsored by a random earlier one, biased to
    /// recent members so that the tree gets some depth.
    Random,
    /// One long sponsor chain.
    Chain,
    /// One root, everybody else its child.
    Star,
    /// A chain whose last member sponsors all the rest.
    Broom,
    /// Several roots, random trees below them.
    Forest,
}

impl Shape {
    pub const ALL: [Shape; 5] = [
        Shape::Random,
        Shape::Chain,
        Shape::Star,
        Shape::Broom,
        Shape::Forest,
    ];
}

#[derive(Debug, Clone)]
pub struct GenOptions {
    pub members: usize,
    pub seed: u64,
    pub shape: Shape,
    /// Add a valid placement tree (`placement`, `leg`) and carries.
    pub binary: bool,
    /// Add a `new` column (`true` / `false` / empty).
    pub with_new: bool,
}

/// splitmix64: tiny, deterministic, good enough for test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x0123_4567_89AB_CDEF)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0);
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.next_u64() % den < num
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// A decimal written as the spec allows: `units / 10^frac`, e.g. (1234, 2)
/// is `12.34`, (-5, 0) is `-5`, (7, 4) is `0.0007`.
fn fmt_fixed(units: i64, frac: u32) -> String {
    let neg = units < 0;
    let abs = units.unsigned_abs();
    let digits = if frac == 0 {
        abs.to_string()
    } else {
        let p = 10u64.pow(frac);
        format!("{}.{:0width$}", abs / p, abs % p, width = frac as usize)
    };
    if neg {
        format!("-{digits}")
    } else {
        digits
    }
}

/// A random non-negative decimal below `max_whole`, with 0-4 fraction digits.
fn random_decimal(rng: &mut Rng, max_whole: u64) -> String {
    let frac = *rng.pick(&[0u32, 1, 2, 2, 2, 3, 4]);
    let p = 10u64.pow(frac);
    let units = rng.next_u64() % (max_whole.max(1) * p);
    fmt_fixed(i64::try_from(units).unwrap_or(0), frac)
}

/// PV: many values exactly on the spec's thresholds (and just below them),
/// written in several styles, some random decimals, a few refunds.
fn gen_pv(rng: &mut Rng) -> String {
    const SMALL: [&str; 16] = [
        "0", "0", "0.00", "50", "50.00", "49.99", "99.99", "100", "100", "100.00", "100.0", "120",
        "200", "200.00", "199.99", "500",
    ];
    const BIG: [&str; 10] = [
        "1000", "999.99", "1000.00", "2400", "3000", "4000", "4999.99", "5000", "7900", "8000",
    ];
    match rng.below(100) {
        0..=41 => (*rng.pick(&SMALL)).to_string(),
        42..=79 => random_decimal(rng, 300),
        80..=86 => (*rng.pick(&BIG)).to_string(),
        87..=92 => random_decimal(rng, 3000),
        93..=94 => (*rng.pick(&["20000", "10000", "12000.5", "6000", "9000.25"])).to_string(),
        95..=97 => format!("-{}", random_decimal(rng, 2000)),
        _ => (*rng.pick(&["-0", "0.0001", "-1000", "100.0001", "99.9999", "-0.01"])).to_string(),
    }
}

/// CV: round numbers, random cents and sub-cents (half-cent ties after the
/// percentages), large values that hit the per-member caps, refunds.
fn gen_cv(rng: &mut Rng) -> String {
    const ON: [&str; 16] = [
        "0", "0", "0.00", "10", "25.5", "50", "100", "100.00", "200", "1000", "0.05", "0.25",
        "12.5", "62.5", "1.25", "5000",
    ];
    match rng.below(100) {
        0..=34 => (*rng.pick(&ON)).to_string(),
        35..=79 => random_decimal(rng, 250),
        80..=90 => random_decimal(rng, 2000),
        91..=94 => (*rng.pick(&["40000", "25000", "31250", "12500.125"])).to_string(),
        _ => format!("-{}", random_decimal(rng, 3000)),
    }
}

fn gen_carry(rng: &mut Rng) -> String {
    match rng.below(100) {
        0..=44 => "0".to_string(),
        45..=59 => String::new(), // empty = default 0
        60..=84 => random_decimal(rng, 2000),
        85..=92 => {
            (*rng.pick(&["5000", "5000.00", "4999.99", "5000.01", "100", "0.005"])).to_string()
        }
        _ => random_decimal(rng, 20000),
    }
}

fn gen_id(rng: &mut Rng, style: usize, i: usize, used: &mut HashSet<String>) -> String {
    loop {
        let h = rng.next_u64();
        let s = if rng.chance(3, 4) {
            style
        } else {
            rng.below(8)
        };
        let id = match s {
            0..=3 => format!("M{:08x}", h as u32),
            4 => format!("u{}", h % 100_000),
            5 => format!("{}", h % 1_000_000), // numeric, but not the row number
            6 => format!(
                "{}-{:x}",
                ["anna", "bo", "dé", "zoë", "ivo", "kim"][(h % 6) as usize],
                i
            ),
            _ => {
                if rng.chance(1, 6) {
                    // RFC 4180 quoting needed on output.
                    format!(
                        "{}, \"{}\"",
                        ["Smith", "Nguyễn", "O'Neil"][(h % 3) as usize],
                        i
                    )
                } else {
                    format!("m {} x", h % 10_000)
                }
            }
        };
        if used.insert(id.clone()) {
            return id;
        }
    }
}

/// Sponsor index per member (generation order: a sponsor is always
/// generated before the members it sponsors).
fn sponsor_tree(rng: &mut Rng, n: usize, shape: Shape) -> Vec<Option<usize>> {
    let mut sponsor = vec![None; n];
    match shape {
        Shape::Random | Shape::Forest => {
            let roots = if shape == Shape::Forest {
                2 + rng.below(4).min(n.saturating_sub(1))
            } else {
                1
            };
            for (i, s) in sponsor.iter_mut().enumerate().skip(roots.min(n)) {
                *s = Some(if rng.chance(1, 2) {
                    rng.below(i)
                } else {
                    // recent members: deeper trees
                    i - 1 - rng.below(i.min(8))
                });
            }
        }
        Shape::Chain => {
            for (i, s) in sponsor.iter_mut().enumerate().skip(1) {
                *s = Some(i - 1);
            }
        }
        Shape::Star => {
            for s in sponsor.iter_mut().skip(1) {
                *s = Some(0);
            }
        }
        Shape::Broom => {
            let handle = (n / 2).max(1);
            for (i, s) in sponsor.iter_mut().enumerate().skip(1) {
                *s = Some(if i < handle { i - 1 } else { handle - 1 });
            }
        }
    }
    sponsor
}

/// A valid placement tree: sponsor roots are placement roots, everybody else
/// is placed under a free side, usually somewhere in the sponsor's
/// placement subtree (spillover), sometimes anywhere.
fn placement_tree(rng: &mut Rng, sponsor: &[Option<usize>]) -> Vec<Option<(usize, char)>> {
    let n = sponsor.len();
    let mut placement: Vec<Option<(usize, char)>> = vec![None; n];
    let mut slots: Vec<[Option<usize>; 2]> = vec![[None, None]; n];
    for i in 0..n {
        let Some(s) = sponsor[i] else { continue };
        if rng.chance(1, 60) {
            continue; // an extra placement root
        }
        let mut cur = if rng.chance(1, 12) { rng.below(i) } else { s };
        // Walk down from `cur` until a free side turns up.
        loop {
            let free: Vec<usize> = (0..2).filter(|&k| slots[cur][k].is_none()).collect();
            let take_free = !free.is_empty() && (free.len() == 2 || rng.chance(2, 3));
            if take_free {
                let k = *rng.pick(&free);
                slots[cur][k] = Some(i);
                placement[i] = Some((cur, if k == 0 { 'L' } else { 'R' }));
                break;
            }
            let occupied: Vec<usize> = (0..2).filter_map(|k| slots[cur][k]).collect();
            cur = *rng.pick(&occupied);
        }
    }
    placement
}

/// A network CSV text for `opts`; the same options always give the same text.
pub fn generate(opts: &GenOptions) -> String {
    let n = opts.members.max(1);
    let mut rng =
        Rng::new(opts.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ ((opts.shape as u64) << 56));
    let id_style = rng.below(8);
    let mut used = HashSet::new();
    let ids: Vec<String> = (0..n)
        .map(|i| gen_id(&mut rng, id_style, i, &mut used))
        .collect();
    let sponsor = sponsor_tree(&mut rng, n, opts.shape);
    let placement = if opts.binary {
        placement_tree(&mut rng, &sponsor)
    } else {
        vec![None; n]
    };

    // Columns.
    let mut columns: Vec<&str> = vec!["id", "sponsor", "pv", "cv"];
    let carries = opts.binary && !rng.chance(1, 8);
    if opts.binary {
        columns.extend(["placement", "leg"]);
        if carries {
            columns.extend(["carry_left", "carry_right"]);
        }
    }
    if opts.with_new {
        columns.push("new");
    }
    if rng.chance(1, 3) {
        columns.push("name");
    }
    if rng.chance(1, 4) {
        columns.push("country");
    }
    if rng.chance(1, 2) {
        rng.shuffle(&mut columns);
    }

    // Rows, in generation order.
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(n);
    for i in 0..n {
        let pv = gen_pv(&mut rng);
        let cv = gen_cv(&mut rng);
        let (cl, cr) = (gen_carry(&mut rng), gen_carry(&mut rng));
        let new = (*rng.pick(&["true", "false", "false", "", "true"])).to_string();
        let row = columns
            .iter()
            .map(|&c| match c {
                "id" => ids[i].clone(),
                "sponsor" => sponsor[i].map(|s| ids[s].clone()).unwrap_or_default(),
                "pv" => pv.clone(),
                "cv" => cv.clone(),
                "placement" => placement[i]
                    .map(|(p, _)| ids[p].clone())
                    .unwrap_or_default(),
                "leg" => placement[i].map(|(_, l)| l.to_string()).unwrap_or_default(),
                "carry_left" => cl.clone(),
                "carry_right" => cr.clone(),
                "new" => new.clone(),
                "name" => format!(
                    "{} \"{}\", {}",
                    ["Ana", "Zoë", "Bo"][i % 3],
                    i,
                    ["Kim", "Li"][i % 2]
                ),
                _ => (*["DE", "", "US", "BR,PT"][i % 4]).to_string(),
            })
            .collect();
        rows.push(row);
    }
    match rng.below(10) {
        0 => rows.reverse(), // every sponsor after its children
        1 => {}              // generation order
        _ => rng.shuffle(&mut rows),
    }

    let crlf = rng.chance(1, 4);
    let mut w = csv::WriterBuilder::new()
        .terminator(if crlf {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        .from_writer(Vec::new());
    w.write_record(&columns).expect("netgen: write");
    for row in &rows {
        w.write_record(row).expect("netgen: write");
    }
    let mut text = String::from_utf8(w.into_inner().expect("netgen: flush")).expect("netgen: utf8");
    let eol = if crlf { "\r\n" } else { "\n" };
    if rng.chance(1, 8) {
        // A blank line somewhere after the header, and one at the end.
        let lines: Vec<&str> = text.split_inclusive(eol).collect();
        let at = 1 + rng.below(lines.len());
        let mut out = String::new();
        for (k, l) in lines.iter().enumerate() {
            if k == at {
                out.push_str(eol);
            }
            out.push_str(l);
        }
        out.push_str(eol);
        text = out;
    }
    if rng.chance(1, 8) {
        text.insert(0, '\u{feff}');
    }
    text
}
