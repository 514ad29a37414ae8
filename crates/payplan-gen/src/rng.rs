//! Small deterministic random numbers: splitmix64, integer arithmetic only,
//! so that the same seed gives the same bytes on every machine.

/// The golden-ratio increment of splitmix64.
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// Mixes 64 bits into 64 well-spread bits (the splitmix64 finalizer).
pub(crate) const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A bijection of `u32` (the "lowbias32" hash), keyed: distinct inputs give
/// distinct outputs, which makes ids unique without a set.
pub(crate) const fn mix32(x: u32, key: u32) -> u32 {
    let mut x = x ^ key;
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x ^ key.rotate_left(13)
}

/// Derives an independent key for one purpose (`stream`) from the seed.
pub(crate) const fn key(seed: u64, stream: u64) -> u64 {
    mix64(mix64(seed ^ 0x7061_7970_6c61_6e21).wrapping_add(stream.wrapping_mul(GAMMA)))
}

/// A splitmix64 generator: fast, 64 bits of state, good enough for shapes.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    /// A generator for one purpose of one seed.
    pub(crate) const fn new(seed: u64, stream: u64) -> Self {
        Self {
            state: key(seed, stream),
        }
    }

    /// The generator of one member for one purpose: values do not depend on
    /// the order in which members are visited.
    pub(crate) const fn for_member(key: u64, member: u32) -> Self {
        Self {
            state: mix64(key ^ (member as u64).wrapping_mul(0xd6e8_feb8_6659_fd93)),
        }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        mix64(self.state)
    }

    /// A number in `0..n` (Lemire's multiply-shift; `0` when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `per_million / 1_000_000`.
    pub(crate) fn chance(&mut self, per_million: u64) -> bool {
        self.below(1_000_000) < per_million
    }

    /// A random bit.
    pub(crate) fn bit(&mut self) -> bool {
        self.next_u64() >> 63 == 1
    }

    /// A heavy-tailed level: `g` with probability `(1 - q) q^g` where
    /// `q = q_per_million / 1e6`, at most `max`. `2^g` then has a Pareto-like
    /// tail, with no floating point.
    pub(crate) fn level(&mut self, q_per_million: u64, max: u32) -> u32 {
        let mut g = 0;
        while g < max && self.chance(q_per_million) {
            g += 1;
        }
        g
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn mix32_is_a_bijection_on_a_sample() {
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..100_000u32 {
            assert!(seen.insert(mix32(i, 0xdead_beef)));
        }
    }

    #[test]
    fn below_stays_in_range_and_is_deterministic() {
        let mut a = Rng::new(7, 1);
        let mut b = Rng::new(7, 1);
        for n in 1..1000 {
            let x = a.below(n);
            assert!(x < n);
            assert_eq!(x, b.below(n));
        }
        assert_eq!(Rng::new(7, 1).below(0), 0);
    }
}
