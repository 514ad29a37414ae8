//! Compact string storage and the id index: one buffer for all ids, and an
//! open-addressing table of row numbers into it (no allocation per member).

use std::hash::{BuildHasher, RandomState};

/// End offsets of the strings in a [`StrArena`]: 4 bytes each while the
/// buffer is below 4 GiB, 8 bytes beyond, or none when every string has the
/// same length (ids often do), which also saves a memory access per lookup.
#[derive(Debug, Clone)]
enum Ends {
    Small(Vec<u32>),
    Large(Vec<u64>),
    /// Every string has this many bytes, more than zero.
    Fixed(usize),
}

/// Many strings in one buffer, addressed by their position.
#[derive(Debug, Clone)]
pub(crate) struct StrArena {
    buf: String,
    ends: Ends,
}

impl Default for StrArena {
    fn default() -> Self {
        StrArena {
            buf: String::new(),
            ends: Ends::Small(Vec::new()),
        }
    }
}

impl StrArena {
    /// Joins parts, each a buffer and the end offsets of its strings within it.
    pub(crate) fn concat(parts: Vec<(String, Vec<u32>)>) -> Self {
        let bytes: usize = parts.iter().map(|(buf, _)| buf.len()).sum();
        let count: usize = parts.iter().map(|(_, ends)| ends.len()).sum();
        let mut buf = String::with_capacity(bytes);
        let width = parts
            .iter()
            .find_map(|(_, ends)| ends.first())
            .map_or(0, |&end| end as usize);
        let fixed = width > 0
            && parts
                .iter()
                .all(|(_, ends)| (1..).zip(ends).all(|(i, &end)| end as usize == i * width));
        if fixed {
            for (part, _) in parts {
                buf.push_str(&part);
            }
            return StrArena {
                buf,
                ends: Ends::Fixed(width),
            };
        }
        let mut ends = if u32::try_from(bytes).is_ok() {
            Ends::Small(Vec::with_capacity(count))
        } else {
            Ends::Large(Vec::with_capacity(count))
        };
        for (part, part_ends) in parts {
            let base = buf.len();
            match &mut ends {
                Ends::Small(ends) => {
                    // `bytes` fits in u32, so every offset does.
                    let base = base as u32;
                    ends.extend(part_ends.iter().map(|&end| base + end));
                }
                Ends::Large(ends) => {
                    let base = base as u64;
                    ends.extend(part_ends.iter().map(|&end| base + u64::from(end)));
                }
                // Not made here.
                Ends::Fixed(_) => {}
            }
            buf.push_str(&part);
        }
        StrArena { buf, ends }
    }

    pub(crate) fn push(&mut self, text: &str) {
        if let Ends::Fixed(width) = self.ends {
            let ends = (1..=self.len()).map(|i| i * width);
            self.ends = match u32::try_from(self.buf.len()) {
                Ok(_) => Ends::Small(ends.map(|end| end as u32).collect()),
                Err(_) => Ends::Large(ends.map(|end| end as u64).collect()),
            };
        }
        self.buf.push_str(text);
        let end = self.buf.len();
        if let Ends::Small(small) = &mut self.ends {
            match u32::try_from(end) {
                Ok(end) => {
                    small.push(end);
                    return;
                }
                Err(_) => {
                    self.ends = Ends::Large(small.iter().map(|&end| u64::from(end)).collect());
                }
            }
        }
        if let Ends::Large(large) = &mut self.ends {
            large.push(end as u64);
        }
    }

    pub(crate) fn len(&self) -> usize {
        match &self.ends {
            Ends::Small(ends) => ends.len(),
            Ends::Large(ends) => ends.len(),
            Ends::Fixed(width) => self.buf.len() / width.max(&1),
        }
    }

    /// Byte range of the `i`-th string.
    fn range(&self, i: usize) -> Option<(usize, usize)> {
        match &self.ends {
            Ends::Small(ends) => {
                let end = *ends.get(i)? as usize;
                let start = match i.checked_sub(1) {
                    Some(prev) => *ends.get(prev)? as usize,
                    None => 0,
                };
                Some((start, end))
            }
            Ends::Large(ends) => {
                let end = usize::try_from(*ends.get(i)?).ok()?;
                let start = match i.checked_sub(1) {
                    Some(prev) => usize::try_from(*ends.get(prev)?).ok()?,
                    None => 0,
                };
                Some((start, end))
            }
            Ends::Fixed(width) => {
                let start = i.checked_mul(*width)?;
                let end = start.checked_add(*width)?;
                (end <= self.buf.len()).then_some((start, end))
            }
        }
    }

    /// The `i`-th string; `None` when out of range.
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        let (start, end) = self.range(i)?;
        self.buf.get(start..end)
    }

    /// The bytes of the `i`-th string; `None` when out of range.
    fn bytes(&self, i: usize) -> Option<&[u8]> {
        let (start, end) = self.range(i)?;
        self.buf.as_bytes().get(start..end)
    }

    /// The `i`-th string, or `""` when out of range.
    pub(crate) fn text(&self, i: usize) -> &str {
        self.get(i).unwrap_or_default()
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        self.buf.shrink_to_fit();
        match &mut self.ends {
            Ends::Small(ends) => ends.shrink_to_fit(),
            Ends::Large(ends) => ends.shrink_to_fit(),
            Ends::Fixed(_) => {}
        }
    }
}

/// A fast seeded hash of short byte strings (ids): 8 bytes at a time, each
/// folded in with a 64x64->128-bit multiply.
fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    const K0: u64 = 0x9E37_79B9_7F4A_7C15;
    const K1: u64 = 0xA076_1D64_78BD_642F;
    const K2: u64 = 0xE703_7ED1_A0B4_28DB;
    let fold = |a: u64, b: u64| {
        let product = u128::from(a) * u128::from(b);
        (product as u64) ^ ((product >> 64) as u64)
    };
    let mut h = seed ^ (bytes.len() as u64).wrapping_mul(K0);
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let word: [u8; 8] = word.try_into().unwrap_or_default();
        h = fold(h ^ u64::from_le_bytes(word), K1);
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        for (to, &from) in word.iter_mut().zip(rest) {
            *to = from;
        }
        h = fold(h ^ u64::from_le_bytes(word), K1);
    }
    fold(h ^ K2, K0)
}

/// A slot of the table: the id's row + 1 in the low 32 bits (0 marks an
/// empty slot) and the high 32 bits of its hash, to skip most string comparisons.
fn slot_of(hash: u64, row: u32) -> u64 {
    (hash & !0xFFFF_FFFF) | u64::from(row + 1)
}

/// The row in a non-empty slot.
fn slot_row(slot: u64) -> u32 {
    (slot as u32).wrapping_sub(1)
}

/// Whether a slot holds the hash's high bits.
fn same_tag(slot: u64, hash: u64) -> bool {
    (slot ^ hash) >> 32 == 0
}

/// Slots per cache line: probing starts at the first slot of a line, so
/// that most lookups read one line of the table.
const LINE: usize = 8;

/// Whether two short byte strings are equal, without a call for the common lengths.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let word = |bytes: &[u8], at: usize| {
        let mut w = [0u8; 8];
        if let Some(part) = bytes.get(at..at + 8) {
            w.copy_from_slice(part);
        }
        u64::from_le_bytes(w)
    };
    match a.len() {
        // Two overlapping words cover 8 to 16 bytes.
        8..=16 => {
            let last = a.len() - 8;
            word(a, 0) == word(b, 0) && word(a, last) == word(b, last)
        }
        _ => a == b,
    }
}

/// Maps an id to its row in a [`StrArena`] (linear probing from the start
/// of a cache line, load <= 3/4).
#[derive(Debug, Clone)]
pub(crate) struct IdTable {
    slots: Vec<u64>,
    len: usize,
    seed: u64,
}

impl Default for IdTable {
    fn default() -> Self {
        IdTable {
            slots: vec![0; 16],
            len: 0,
            seed: random_seed(),
        }
    }
}

fn random_seed() -> u64 {
    RandomState::new().hash_one(0x5eed_u64)
}

/// The number of slots for `n` ids: a power of two with a load of at most 3/4.
fn capacity_for(n: usize) -> usize {
    n.saturating_mul(4)
        .div_ceil(3)
        .max(16)
        .checked_next_power_of_two()
        .unwrap_or(usize::MAX / 2 + 1)
}

impl IdTable {
    fn hash(&self, id: &[u8]) -> u64 {
        hash_bytes(self.seed, id)
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// Where probing for `hash` starts.
    fn home(&self, hash: u64) -> usize {
        (hash as usize & self.mask()) & !(LINE - 1)
    }

    /// The row of `id`, if it was inserted.
    pub(crate) fn find(&self, ids: &StrArena, id: &str) -> Option<u32> {
        self.find_bytes(ids, id.as_bytes())
    }

    /// The row of the id with these bytes, if it was inserted.
    pub(crate) fn find_bytes(&self, ids: &StrArena, id: &[u8]) -> Option<u32> {
        let hash = self.hash(id);
        self.find_hashed(ids, id, hash)
    }

    fn find_hashed(&self, ids: &StrArena, id: &[u8], hash: u64) -> Option<u32> {
        let mask = self.mask();
        let mut i = self.home(hash);
        for _ in 0..self.slots.len() {
            let slot = *self.slots.get(i)?;
            if slot == 0 {
                return None;
            }
            let row = slot_row(slot);
            if same_tag(slot, hash) && ids.bytes(row as usize).is_some_and(|b| same_bytes(b, id)) {
                return Some(row);
            }
            i = (i + 1) & mask;
        }
        None
    }

    /// Looks up many ids at once: `rows[k]` becomes the row of `keys[k]`, or
    /// `u32::MAX` if there is none. The memory accesses of a batch are
    /// independent of each other, so that their cache misses overlap.
    pub(crate) fn find_batch(&self, ids: &StrArena, keys: &[&[u8]], rows: &mut [u32]) {
        // Each step is a loop of its own over the batch: a loop that only
        // loads from addresses computed before lets the loads overlap.
        const BATCH: usize = 32;
        let bytes = ids.buf.as_bytes();
        for (keys, rows) in keys.chunks(BATCH).zip(rows.chunks_mut(BATCH)) {
            let mut hashes = [0u64; BATCH];
            for (key, hash) in keys.iter().zip(&mut hashes) {
                *hash = self.hash(key);
            }
            let mut homes = [0usize; BATCH];
            for (hash, home) in hashes.iter().zip(&mut homes) {
                *home = self.home(*hash);
            }
            let mut touched = 0u64;
            for home in &homes {
                touched ^= self.slots.get(*home).copied().unwrap_or(0);
            }
            // The line of each home is in the cache: find candidates in it.
            let mut candidates = [u32::MAX; BATCH];
            let mut settled = [false; BATCH];
            for (((hash, home), candidate), settled) in hashes
                .iter()
                .zip(&homes)
                .zip(&mut candidates)
                .zip(&mut settled)
            {
                let line = self.slots.get(*home..*home + LINE).unwrap_or_default();
                for &slot in line {
                    if slot == 0 {
                        *settled = true;
                        break;
                    }
                    if same_tag(slot, *hash) {
                        *candidate = slot_row(slot);
                        break;
                    }
                }
            }
            let mut ranges = [(1usize, 0usize); BATCH];
            for (candidate, range) in candidates.iter().zip(&mut ranges) {
                if *candidate != u32::MAX {
                    *range = ids.range(*candidate as usize).unwrap_or((1, 0));
                }
            }
            for &(start, _) in &ranges {
                touched ^= u64::from(bytes.get(start).copied().unwrap_or(0));
            }
            std::hint::black_box(touched);
            for (((((key, hash), &(start, end)), &candidate), &settled), row) in keys
                .iter()
                .zip(&hashes)
                .zip(&ranges)
                .zip(&candidates)
                .zip(&settled)
                .zip(rows.iter_mut())
            {
                *row = if bytes.get(start..end).is_some_and(|b| same_bytes(b, key)) {
                    candidate
                } else if settled {
                    u32::MAX
                } else {
                    self.find_hashed(ids, key, *hash).unwrap_or(u32::MAX)
                };
            }
        }
    }

    /// Records that `id` is on `row`; `Err(first_row)` if it is already there.
    pub(crate) fn insert(&mut self, ids: &StrArena, id: &str, row: u32) -> Result<(), u32> {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow(ids);
        }
        let id = id.as_bytes();
        let hash = self.hash(id);
        self.insert_hashed(ids, id, hash, row)
    }

    fn insert_hashed(&mut self, ids: &StrArena, id: &[u8], hash: u64, row: u32) -> Result<(), u32> {
        let mask = self.mask();
        let mut i = self.home(hash);
        for _ in 0..self.slots.len() {
            let Some(slot) = self.slots.get_mut(i) else {
                break;
            };
            if *slot == 0 {
                *slot = slot_of(hash, row);
                self.len += 1;
                return Ok(());
            }
            let other = slot_row(*slot);
            if same_tag(*slot, hash) && ids.bytes(other as usize).is_some_and(|b| same_bytes(b, id))
            {
                return Err(other);
            }
            i = (i + 1) & mask;
        }
        // Unreachable with a load factor of at most 3/4; refusing is the safe answer.
        Err(row)
    }

    /// Doubles the table, rehashing every id from `ids`.
    fn grow(&mut self, ids: &StrArena) {
        let capacity = self.slots.len() * 2;
        let old = std::mem::replace(&mut self.slots, vec![0; capacity]);
        let mask = capacity - 1;
        for slot in old.into_iter().filter(|&slot| slot != 0) {
            let id = ids.bytes(slot_row(slot) as usize).unwrap_or_default();
            let mut i = self.home(self.hash(id));
            while let Some(target) = self.slots.get_mut(i) {
                if *target == 0 {
                    *target = slot;
                    break;
                }
                i = (i + 1) & mask;
            }
        }
    }

    /// Builds the table of the first `n` ids of `ids` (rows `0..n`).
    ///
    /// `Err((row, first))` names the earliest row whose id was used before, on row `first`.
    pub(crate) fn build(ids: &StrArena, n: usize) -> Result<IdTable, (u32, u32)> {
        const BATCH: usize = 64;
        let mut table = IdTable {
            slots: vec![0; capacity_for(n)],
            len: 0,
            seed: random_seed(),
        };
        let rows = u32::try_from(n).unwrap_or(u32::MAX);
        let mut hashes = [0u64; BATCH];
        let mut touched = 0u64;
        for first in (0..rows).step_by(BATCH) {
            let last = first.saturating_add(BATCH as u32).min(rows);
            // Read the home of every id of the batch before inserting any, so
            // that the cache misses overlap (in a loop that only loads).
            for (row, hash) in (first..last).zip(&mut hashes) {
                *hash = table.hash(ids.bytes(row as usize).unwrap_or_default());
            }
            for hash in hashes.iter().take((last - first) as usize) {
                touched ^= table.slots.get(table.home(*hash)).copied().unwrap_or(0);
            }
            for (row, &hash) in (first..last).zip(&hashes) {
                let id = ids.bytes(row as usize).unwrap_or_default();
                table
                    .insert_hashed(ids, id, hash, row)
                    .map_err(|first| (row, first))?;
            }
        }
        std::hint::black_box(touched);
        Ok(table)
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]

    use super::*;

    #[test]
    fn arena_and_table() {
        let mut ids = StrArena::default();
        let mut table = IdTable::default();
        for row in 0..10_000u32 {
            let id = format!("M{row}");
            ids.push(&id);
            table.insert(&ids, &id, row).unwrap();
        }
        ids.push("");
        assert_eq!(ids.get(10_000), Some(""));
        assert_eq!(ids.get(10_001), None);
        for row in 0..10_000u32 {
            let id = format!("M{row}");
            assert_eq!(ids.get(row as usize), Some(id.as_str()));
            assert_eq!(table.find(&ids, &id), Some(row));
        }
        assert_eq!(table.find(&ids, "M10000"), None);
        assert_eq!(table.insert(&ids, "M77", 10_000), Err(77));
    }

    #[test]
    fn bulk_build_finds_the_first_repeat() {
        let parts: Vec<(String, Vec<u32>)> = (0..4)
            .map(|part| {
                let mut buf = String::new();
                let mut ends = Vec::new();
                for i in 0..50_000u32 {
                    buf.push_str(&format!("id{}", part * 50_000 + i));
                    ends.push(buf.len() as u32);
                }
                (buf, ends)
            })
            .collect();
        let ids = StrArena::concat(parts);
        assert_eq!(ids.len(), 200_000);
        assert_eq!(ids.get(123_456), Some("id123456"));
        let table = IdTable::build(&ids, 200_000).unwrap();
        for row in (0..200_000u32).step_by(97) {
            assert_eq!(table.find(&ids, &format!("id{row}")), Some(row));
        }
        assert_eq!(table.find(&ids, "id200000"), None);

        // Several repeats: the earliest repeating row is named.
        let mut ids = StrArena::default();
        for row in 0..200_000u32 {
            let id = match row {
                150_000 => "id7".to_owned(),
                120_000 => "id190000".to_owned(),
                180_000 => "id3".to_owned(),
                row => format!("id{row}"),
            };
            ids.push(&id);
        }
        assert_eq!(IdTable::build(&ids, 200_000).unwrap_err(), (150_000, 7));
        assert_eq!(
            IdTable::build(&ids, 150_000).unwrap().find(&ids, "id7"),
            Some(7)
        );

        let mut ids = StrArena::default();
        for id in ["a", "b", "c", "d", "b", "a", "e"] {
            ids.push(id);
        }
        assert_eq!(IdTable::build(&ids, 7).unwrap_err(), (4, 1));

        // Strings of one length keep no offsets, until one of another length comes.
        let mut ids = StrArena::concat(vec![
            ("ab12cd".to_owned(), vec![2, 4, 6]),
            (String::new(), vec![]),
            ("ef".to_owned(), vec![2]),
        ]);
        assert!(matches!(ids.ends, Ends::Fixed(2)));
        assert_eq!(ids.len(), 4);
        assert_eq!(ids.get(3), Some("ef"));
        assert_eq!(ids.get(4), None);
        let table = IdTable::build(&ids, 4).unwrap();
        assert_eq!(table.find(&ids, "cd"), Some(2));
        ids.push("long");
        assert!(matches!(ids.ends, Ends::Small(_)));
        assert_eq!(ids.get(1), Some("12"));
        assert_eq!(ids.get(4), Some("long"));
        let ids = StrArena::concat(vec![("abc".to_owned(), vec![1, 3])]);
        assert_eq!(ids.get(1), Some("bc"));
        assert!(IdTable::build(&ids, 4).is_ok());
    }
}
