//! Compact string storage and the id index: one buffer for all ids, and an
//! open-addressing table of row numbers into it (no allocation per member).

use std::hash::{BuildHasher, RandomState};

/// Many strings in one buffer, addressed by their position.
#[derive(Debug, Clone, Default)]
pub(crate) struct StrArena {
    buf: String,
    ends: Vec<usize>,
}

impl StrArena {
    pub(crate) fn push(&mut self, text: &str) {
        self.buf.push_str(text);
        self.ends.push(self.buf.len());
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The `i`-th string; `None` when out of range.
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = match i.checked_sub(1) {
            Some(prev) => *self.ends.get(prev)?,
            None => 0,
        };
        self.buf.get(start..end)
    }

    /// The `i`-th string, or `""` when out of range.
    pub(crate) fn text(&self, i: usize) -> &str {
        self.get(i).unwrap_or_default()
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        self.buf.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    /// Row + 1; 0 marks an empty slot.
    row_plus_one: u32,
    /// Low bits of the id's hash, to skip most string comparisons.
    hash: u32,
}

/// Maps an id to its row in a [`StrArena`] (linear probing, load <= 1/2).
#[derive(Debug, Clone)]
pub(crate) struct IdTable {
    slots: Vec<Slot>,
    len: usize,
    hasher: RandomState,
}

impl Default for IdTable {
    fn default() -> Self {
        IdTable {
            slots: vec![Slot::default(); 16],
            len: 0,
            hasher: RandomState::new(),
        }
    }
}

impl IdTable {
    fn hash(&self, id: &str) -> u32 {
        // Keeping the low 32 bits is the point: they index the table and filter comparisons.
        self.hasher.hash_one(id) as u32
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// The row of `id`, if it was inserted.
    pub(crate) fn find(&self, ids: &StrArena, id: &str) -> Option<u32> {
        let hash = self.hash(id);
        let mask = self.mask();
        let mut i = hash as usize & mask;
        for _ in 0..self.slots.len() {
            let slot = self.slots.get(i)?;
            if slot.row_plus_one == 0 {
                return None;
            }
            let row = slot.row_plus_one - 1;
            if slot.hash == hash && ids.get(row as usize) == Some(id) {
                return Some(row);
            }
            i = (i + 1) & mask;
        }
        None
    }

    /// Records that `id` is on `row`; `Err(first_row)` if it is already there.
    pub(crate) fn insert(&mut self, ids: &StrArena, id: &str, row: u32) -> Result<(), u32> {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let hash = self.hash(id);
        let mask = self.mask();
        let mut i = hash as usize & mask;
        for _ in 0..self.slots.len() {
            let Some(slot) = self.slots.get_mut(i) else {
                break;
            };
            if slot.row_plus_one == 0 {
                *slot = Slot {
                    row_plus_one: row + 1,
                    hash,
                };
                self.len += 1;
                return Ok(());
            }
            let other = slot.row_plus_one - 1;
            if slot.hash == hash && ids.get(other as usize) == Some(id) {
                return Err(other);
            }
            i = (i + 1) & mask;
        }
        // Unreachable with a load factor of at most 1/2; refusing is the safe answer.
        Err(row)
    }

    fn grow(&mut self) {
        let capacity = self.slots.len() * 2;
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); capacity]);
        let mask = capacity - 1;
        for slot in old.into_iter().filter(|slot| slot.row_plus_one != 0) {
            let mut i = slot.hash as usize & mask;
            while let Some(target) = self.slots.get_mut(i) {
                if target.row_plus_one == 0 {
                    *target = slot;
                    break;
                }
                i = (i + 1) & mask;
            }
        }
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
}
