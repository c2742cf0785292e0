//! Mapping a slice over the machine's cores with scoped threads (no dependency): normalising
//! ten thousand records and comparing a few hundred thousand pairs are independent per item.

/// `items.iter().map(f).collect()`, split into one chunk per core when there are at least
/// `min_parallel` items. Same result, same order.
pub fn map<T: Sync, R: Send>(items: &[T], min_parallel: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(8);
    if threads < 2 || items.len() < min_parallel.max(2) {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            items.chunks(chunk).map(|c| scope.spawn(move || c.iter().map(f).collect::<Vec<R>>())).collect();
        handles.into_iter().flat_map(|h| h.join().expect("worker threads do not panic")).collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_result_in_the_same_order() {
        let items: Vec<u64> = (0..100_000).collect();
        let doubled = super::map(&items, 10, |x| x * 2);
        assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert_eq!(super::map(&items[..3], 10, |x| x + 1), vec![1, 2, 3]);
    }
}
