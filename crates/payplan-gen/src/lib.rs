//! Deterministic generator of realistic member networks, written as the
//! network CSV of the reference spec (section 1), for benches, tests and
//! what-if runs on 100k to 100M members.
//!
//! The same [`GenOptions`] give the same bytes on every machine: the random
//! numbers are splitmix64 with integer arithmetic only. Memory is a few `u32`
//! per member (no strings); rows are formatted into one reused buffer.
//!
//! ```
//! use payplan_gen::{generate, GenOptions, Shape};
//!
//! let options = GenOptions { members: 5, seed: 1, shape: Shape::Chain, placement: false, new: false, joined: false };
//! let mut csv = Vec::new();
//! generate(&options, &mut csv, &mut |_| {})?;
//! let csv = String::from_utf8(csv).unwrap();
//! assert!(csv.starts_with("id,sponsor,pv,cv\n"));
//! assert_eq!(csv.lines().count(), 6);
//! # Ok::<(), std::io::Error>(())
//! ```

mod order;
mod placement;
mod rng;
mod sponsor;
mod values;

use std::io::{self, Write};

use rng::Rng;
use values::Decimal;

/// "No member": the sponsor of a root, the placement of a placement root.
const NONE: u32 = u32::MAX;

/// The largest network the generator makes: members are numbered in 31 bits
/// (the 32nd marks the right leg in the placement array).
pub const MAX_MEMBERS: u64 = (1 << 31) - 1;

/// The shape of the sponsor tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    /// Realistic recruiting: about one root per 100,000 members, most
    /// members recruit nobody, a few recruit thousands, and recruiters
    /// recruit soon after they join, so that the tree is thousands deep.
    #[default]
    Mlm,
    /// Pure preferential attachment: a newcomer's sponsor is chosen with
    /// probability proportional to 1 + its number of recruits.
    Pref,
    /// One line: every member sponsors the next.
    Chain,
    /// One root and everybody else its recruit.
    Star,
    /// A chain of half the members whose last member sponsors the other half.
    Broom,
}

impl Shape {
    /// Every shape.
    pub const ALL: [Shape; 5] = [
        Shape::Mlm,
        Shape::Pref,
        Shape::Chain,
        Shape::Star,
        Shape::Broom,
    ];
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenOptions {
    /// The number of members, 1 to [`MAX_MEMBERS`].
    pub members: u64,
    /// The seed: the same options give the same bytes.
    pub seed: u64,
    /// The shape of the sponsor tree.
    pub shape: Shape,
    /// Add a binary placement tree (`placement`, `leg`) and carried-in
    /// volumes (`carry_left`, `carry_right`).
    pub placement: bool,
    /// Add the `new` column (about 10% `true`, mostly the latest to join).
    pub new: bool,
    /// Add the `joined` column a forced matrix reads (R9): the member's
    /// number from 1, so that a sponsor joins before its recruits.
    pub joined: bool,
}

/// The stage of the work that a [`Progress`] report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Building the sponsor tree.
    Sponsors,
    /// Building the placement tree.
    Placement,
    /// Writing the rows.
    Rows,
}

/// How far the work is: `done` out of `total` units, reported now and then.
/// A member is one unit in each tree and [`ROW_UNITS`] in the rows, which
/// take about that much longer, so that `done / total` tracks the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The current stage.
    pub stage: Stage,
    /// Units done so far, over all stages.
    pub done: u64,
    /// Units in all.
    pub total: u64,
}

/// The side of a placement parent that a member is placed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Leg {
    /// `L`
    Left,
    /// `R`
    Right,
}

/// The trees of a generated network, members numbered in joining order
/// (`0..len`): sponsors and placement parents always have smaller numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Structure {
    sponsors: Vec<u32>,
    placements: Option<Vec<u32>>,
}

impl Structure {
    /// Builds the trees for `options` (no values), reporting progress.
    ///
    /// # Errors
    /// `InvalidInput` when `options.members` is 0 or above [`MAX_MEMBERS`].
    pub fn build(options: &GenOptions, progress: &mut dyn FnMut(Progress)) -> io::Result<Self> {
        let n = member_count(options)?;
        let total = total_units(options);
        let sponsors = sponsor::build(options.shape, n, options.seed, &mut |done| {
            progress(Progress {
                stage: Stage::Sponsors,
                done: u64::from(done),
                total,
            });
        });
        let placements = options.placement.then(|| {
            placement::build(&sponsors, options.seed, &mut |done| {
                progress(Progress {
                    stage: Stage::Placement,
                    done: u64::from(n) + u64::from(done),
                    total,
                });
            })
        });
        Ok(Self {
            sponsors,
            placements,
        })
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.sponsors.len()
    }

    /// Whether there are no members (never, for a built structure).
    pub fn is_empty(&self) -> bool {
        self.sponsors.is_empty()
    }

    /// The sponsor of member `m`, `None` for a root (or out of range).
    pub fn sponsor(&self, m: usize) -> Option<usize> {
        match self.sponsors.get(m) {
            Some(&s) if s != NONE => Some(s as usize),
            _ => None,
        }
    }

    /// The placement parent and side of member `m`; `None` for a root of
    /// the placement tree, without a placement tree or out of range.
    pub fn placement(&self, m: usize) -> Option<(usize, Leg)> {
        let packed = *self.placements.as_ref()?.get(m)?;
        if packed == NONE {
            return None;
        }
        let leg = if packed & placement::RIGHT != 0 {
            Leg::Right
        } else {
            Leg::Left
        };
        Some(((packed & !placement::RIGHT) as usize, leg))
    }

    /// Whether the structure has a placement tree.
    pub fn has_placement(&self) -> bool {
        self.placements.is_some()
    }
}

/// The id of member `m` of a network generated with `seed`: `M` and eight
/// hex digits of a keyed bijection of `m`, so ids are unique and are not
/// row numbers.
pub fn member_id(seed: u64, m: u32) -> String {
    let mut text = Vec::with_capacity(9);
    push_id(&mut text, id_key(seed), m);
    String::from_utf8_lossy(&text).into_owned()
}

/// Generates the network CSV for `options` into `out`, calling `progress`
/// now and then (about every 65,536 members per stage).
///
/// Rows come in a shuffled order (sponsors often after their recruits); the
/// header is `id,sponsor,pv,cv`, then `placement,leg,carry_left,carry_right`
/// with a placement tree, `new` with [`GenOptions::new`] and `joined` with
/// [`GenOptions::joined`].
///
/// # Errors
/// `InvalidInput` for a bad member count; any error of `out`.
pub fn generate(
    options: &GenOptions,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(Progress),
) -> io::Result<()> {
    let structure = Structure::build(options, progress)?;
    write_rows(options, &structure, out, progress)
}

/// The member count as a `u32`, or why it is refused.
fn member_count(options: &GenOptions) -> io::Result<u32> {
    match u32::try_from(options.members) {
        Ok(n) if n > 0 && u64::from(n) <= MAX_MEMBERS => Ok(n),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the number of members must be between 1 and {MAX_MEMBERS}, not {}",
                options.members
            ),
        )),
    }
}

/// The progress units of writing one row.
pub const ROW_UNITS: u64 = 4;

/// Units of progress in all.
fn total_units(options: &GenOptions) -> u64 {
    options.members * (1 + u64::from(options.placement) + ROW_UNITS)
}

fn id_key(seed: u64) -> u32 {
    (rng::key(seed, 4) >> 32) as u32
}

/// How much formatted text to gather before handing it to `out`.
const CHUNK: usize = 1 << 20;

/// Rows gathered at a time.
const BLOCK: u32 = 4096;

/// One row's member and its packed sponsor and placement.
#[derive(Debug, Clone, Copy)]
struct RowMember {
    member: u32,
    sponsor: u32,
    placement: u32,
}

/// Writes the header and every row, in the shuffled order.
fn write_rows(
    options: &GenOptions,
    structure: &Structure,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(Progress),
) -> io::Result<()> {
    let n = structure.len() as u32;
    let total = total_units(options);
    let before = total - ROW_UNITS * u64::from(n);
    let order = order::Permutation::new(n, rng::key(options.seed, 5));
    let ids = id_key(options.seed);
    let value_key = rng::key(options.seed, 6);
    let carry_key = rng::key(options.seed, 7);
    let new_key = rng::key(options.seed, 8);

    let mut buf = Vec::with_capacity(CHUNK + 512 * BLOCK as usize);
    buf.extend_from_slice(b"id,sponsor,pv,cv");
    if structure.has_placement() {
        buf.extend_from_slice(b",placement,leg,carry_left,carry_right");
    }
    if options.new {
        buf.extend_from_slice(b",new");
    }
    if options.joined {
        buf.extend_from_slice(b",joined");
    }
    buf.push(b'\n');
    let placements = structure.placements.as_deref();
    let mut block: Vec<RowMember> = Vec::with_capacity(BLOCK as usize);
    let mut first = 0u32;
    while first < n {
        let last = first.saturating_add(BLOCK).min(n);
        // Gather the block's members and their trees in tight loops, so that
        // the scattered reads overlap, then format the rows.
        block.clear();
        block.extend((first..last).map(|row| RowMember {
            member: order.get(row),
            sponsor: NONE,
            placement: NONE,
        }));
        for row in &mut block {
            row.sponsor = structure
                .sponsors
                .get(row.member as usize)
                .copied()
                .unwrap_or(NONE);
        }
        if let Some(placements) = placements {
            for row in &mut block {
                row.placement = placements.get(row.member as usize).copied().unwrap_or(NONE);
            }
        }
        for row in &block {
            let m = row.member;
            push_id(&mut buf, ids, m);
            buf.push(b',');
            if row.sponsor != NONE {
                push_id(&mut buf, ids, row.sponsor);
            }
            let mut rng = Rng::for_member(value_key, m);
            let pv = values::pv(&mut rng);
            let cv = values::cv(pv, &mut rng);
            buf.push(b',');
            push_decimal(&mut buf, pv);
            buf.push(b',');
            push_decimal(&mut buf, cv);
            if placements.is_some() {
                buf.push(b',');
                if row.placement != NONE {
                    push_id(&mut buf, ids, row.placement & !placement::RIGHT);
                    buf.extend_from_slice(if row.placement & placement::RIGHT == 0 {
                        b",L,"
                    } else {
                        b",R,"
                    });
                } else {
                    buf.extend_from_slice(b",,");
                }
                let mut rng = Rng::for_member(carry_key, m);
                push_decimal(&mut buf, values::carry(&mut rng));
                buf.push(b',');
                push_decimal(&mut buf, values::carry(&mut rng));
            }
            if options.new {
                let mut rng = Rng::for_member(new_key, m);
                buf.extend_from_slice(if values::new(m, n, &mut rng) {
                    b",true"
                } else {
                    b",false"
                });
            }
            if options.joined {
                // Members are numbered so that sponsors come first.
                buf.push(b',');
                push_count(&mut buf, u64::from(m) + 1);
            }
            buf.push(b'\n');
        }
        if buf.len() >= CHUNK {
            out.write_all(&buf)?;
            buf.clear();
            progress(Progress {
                stage: Stage::Rows,
                done: before + ROW_UNITS * u64::from(last),
                total,
            });
        }
        first = last;
    }
    out.write_all(&buf)?;
    out.flush()?;
    progress(Progress {
        stage: Stage::Rows,
        done: total,
        total,
    });
    Ok(())
}

/// Appends member `m`'s id (see [`member_id`]): the eight nibbles are
/// spread to eight bytes and turned to ASCII digits together.
fn push_id(buf: &mut Vec<u8>, key: u32, m: u32) {
    let x = u64::from(rng::mix32(m, key));
    let x = ((x & 0xffff_0000) << 16) | (x & 0xffff);
    let x = ((x & 0x0000_ff00_0000_ff00) << 8) | (x & 0x0000_00ff_0000_00ff);
    let x = ((x & 0x00f0_00f0_00f0_00f0) << 4) | (x & 0x000f_000f_000f_000f);
    // One in the bytes whose nibble is 10 or more (a letter).
    let letters = ((x + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
    let ascii = x + 0x3030_3030_3030_3030 + letters * (b'a' - b'0' - 10) as u64;
    buf.push(b'M');
    buf.extend_from_slice(&ascii.to_be_bytes());
}

/// Appends a whole number in decimal digits.
fn push_count(buf: &mut Vec<u8>, mut n: u64) {
    let start = buf.len();
    loop {
        buf.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if let Some(digits) = buf.get_mut(start..) {
        digits.reverse();
    }
}

/// Appends a decimal as the spec writes them (`12`, `-3.5`, `0.07`), with
/// trailing zeros of the fraction left out.
fn push_decimal(buf: &mut Vec<u8>, value: Decimal) {
    if value.mantissa < 0 {
        buf.push(b'-');
    }
    let mut digits = value.mantissa.unsigned_abs();
    let mut scale = value.scale;
    while scale > 0 && digits.is_multiple_of(10) {
        digits /= 10;
        scale -= 1;
    }
    // Up to 20 digits and a point, written backwards.
    let mut text = [0u8; 24];
    let mut at = text.len();
    let mut written = 0u8;
    loop {
        if scale > 0 && written == scale {
            at -= 1;
            if let Some(slot) = text.get_mut(at) {
                *slot = b'.';
            }
        }
        at -= 1;
        if let Some(slot) = text.get_mut(at) {
            *slot = b'0' + (digits % 10) as u8;
        }
        digits /= 10;
        written += 1;
        if digits == 0 && written > scale {
            break;
        }
    }
    buf.extend_from_slice(text.get(at..).unwrap_or_default());
}

#[cfg(test)]
mod tests;
