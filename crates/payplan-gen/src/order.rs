//! The row order: a keyed pseudo-random permutation of the members (a
//! Feistel network with cycle walking), computed row by row without memory.

use crate::rng::mix64;

/// A bijection of `0..n`.
#[derive(Debug, Clone)]
pub(crate) struct Permutation {
    n: u64,
    half_bits: u32,
    keys: [u64; 4],
}

impl Permutation {
    pub(crate) fn new(n: u32, key: u64) -> Self {
        // The smallest even number of bits that holds 0..n, at least 2.
        let bits = (32 - n.saturating_sub(1).leading_zeros()).max(2);
        let bits = bits + bits % 2;
        let k = |round: u64| mix64(key ^ round.wrapping_mul(0xa076_1d64_78bd_642f));
        Self {
            n: u64::from(n),
            half_bits: bits / 2,
            keys: [k(1), k(2), k(3), k(4)],
        }
    }

    /// The member on row `row` (`row < n`).
    pub(crate) fn get(&self, row: u32) -> u32 {
        let mask = (1u64 << self.half_bits) - 1;
        let mut x = u64::from(row);
        loop {
            let (mut left, mut right) = (x >> self.half_bits, x & mask);
            for key in self.keys {
                // The top bits of a product: cheap and well mixed enough to
                // shuffle rows.
                let f = ((right ^ key).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) & mask;
                (left, right) = (right, left ^ f);
            }
            x = (left << self.half_bits) | right;
            if x < self.n {
                return x as u32;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn it_is_a_permutation() {
        for n in [1u32, 2, 3, 5, 16, 17, 1000, 4097] {
            let p = Permutation::new(n, 42);
            let mut seen = vec![false; n as usize];
            for row in 0..n {
                let m = p.get(row);
                assert!(m < n);
                assert!(!seen[m as usize], "n = {n}");
                seen[m as usize] = true;
            }
        }
    }
}
