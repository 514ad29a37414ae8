//! Stable parallel partitioning of rows by a key: it turns a pass of random
//! accesses over a large table into passes over parts that each fit in the
//! cache (the children lists).

use rayon::prelude::*;

/// Sorts rows `0..n` by part, keeping row order within each part, in parallel.
///
/// `entry(row)` gives the row's part (below `parts`) and the value to keep
/// for it, or `None` to leave the row out; it is called twice per row (to
/// count, then to place). Returns the values sorted by part and the number of
/// values in each part.
pub(crate) fn by_part<F>(n: usize, parts: usize, entry: F) -> (Vec<u64>, Vec<usize>)
where
    F: Fn(usize) -> Option<(usize, u64)> + Sync,
{
    let blocks = (rayon::current_num_threads() * 4).clamp(1, n.max(1));
    let block_len = n.div_ceil(blocks).max(1);
    let block_rows = |b: usize| (b * block_len).min(n)..((b + 1) * block_len).min(n);

    // How many rows of each block go to each part.
    let counts: Vec<Vec<usize>> = (0..blocks)
        .into_par_iter()
        .map(|b| {
            let mut count = vec![0usize; parts];
            for row in block_rows(b) {
                if let Some(c) = entry(row).and_then(|(part, _)| count.get_mut(part)) {
                    *c += 1;
                }
            }
            count
        })
        .collect();
    let total = counts.iter().flatten().sum();
    // Part after part, and within each, block after block.
    let mut sorted = vec![0u64; total];
    let mut outs: Vec<Vec<&mut [u64]>> = (0..blocks).map(|_| Vec::with_capacity(parts)).collect();
    let mut sizes = vec![0usize; parts];
    let mut rest: &mut [u64] = &mut sorted;
    for (part, size) in sizes.iter_mut().enumerate() {
        for (count, out) in counts.iter().zip(&mut outs) {
            let len = count.get(part).copied().unwrap_or(0).min(rest.len());
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(len);
            out.push(head);
            rest = tail;
            *size += len;
        }
    }
    outs.into_par_iter().enumerate().for_each(|(b, mut out)| {
        let mut filled = vec![0usize; parts];
        for row in block_rows(b) {
            let Some((part, value)) = entry(row) else {
                continue;
            };
            if let (Some(to), Some(at)) = (out.get_mut(part), filled.get_mut(part)) {
                if let Some(cell) = to.get_mut(*at) {
                    *cell = value;
                }
                *at += 1;
            }
        }
    });
    (sorted, sizes)
}

/// Splits `all` into consecutive parts of the given sizes (the last ones
/// shorter if `all` runs out).
pub(crate) fn split_mut<'a, T>(mut all: &'a mut [T], sizes: &[usize]) -> Vec<&'a mut [T]> {
    let mut parts = Vec::with_capacity(sizes.len());
    for &size in sizes {
        let len = size.min(all.len());
        let (head, tail) = std::mem::take(&mut all).split_at_mut(len);
        parts.push(head);
        all = tail;
    }
    parts
}

/// [`split_mut`] for shared slices.
pub(crate) fn split<'a, T>(mut all: &'a [T], sizes: &[usize]) -> Vec<&'a [T]> {
    let mut parts = Vec::with_capacity(sizes.len());
    for &size in sizes {
        let (head, tail) = all.split_at(size.min(all.len()));
        parts.push(head);
        all = tail;
    }
    parts
}
