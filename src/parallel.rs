//! Work spread over the machine's cores: a list cut into one contiguous
//! chunk per core, each chunk worked on its own scoped thread, the results
//! handed back in the list's order, so what runs in parallel gives exactly
//! what it would give in sequence. The loader reads and parses question
//! files this way, the checker checks questions this way, and the build
//! driver gives each exporter its own thread with the same stack.

/// Stack for each worker thread (64 MiB of address space, used only as deep
/// input needs it): as much as the main thread would have, and more, so that
/// deeply nested Markdown or formulas cannot overflow a worker.
pub(crate) const STACK_BYTES: usize = 64 * 1024 * 1024;

/// Below this many items a list is worked on in the calling thread: a
/// thread costs more than a few small files.
const MIN_ITEMS_PER_THREAD: usize = 64;

/// `work` applied to contiguous chunks of `items`, one chunk per core, on
/// scoped threads; the chunks' results in order. A short list, a one-core
/// machine or a thread that cannot be started is worked on in the calling
/// thread. A panic in a worker is resumed in the caller.
pub(crate) fn map_chunks<T, R, F>(items: &[T], work: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&[T]) -> R + Sync,
{
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = cores.min(items.len() / MIN_ITEMS_PER_THREAD).max(1);
    if threads == 1 {
        return vec![work(items)];
    }
    let chunk_len = items.len().div_ceil(threads);
    let work = &work;
    std::thread::scope(|scope| {
        let running: Vec<_> = items
            .chunks(chunk_len)
            .map(|chunk| {
                let thread = std::thread::Builder::new()
                    .stack_size(STACK_BYTES)
                    .spawn_scoped(scope, move || work(chunk));
                (chunk, thread)
            })
            .collect();
        running
            .into_iter()
            .map(|(chunk, thread)| match thread {
                Ok(thread) => thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err(_) => work(chunk),
            })
            .collect()
    })
}

/// `work` applied to each of `items`, on [`map_chunks`]' threads; the
/// results in the items' order.
pub(crate) fn map_in_order<T, R, F>(items: &[T], work: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    map_chunks(items, |chunk| chunk.iter().map(&work).collect::<Vec<R>>())
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_however_the_list_is_cut() {
        for n in [0, 1, 63, 64, 65, 128, 129, 1000, 1001] {
            let items: Vec<usize> = (0..n).collect();
            let got = map_in_order(&items, |i| i * 2);
            assert_eq!(
                got,
                items.iter().map(|i| i * 2).collect::<Vec<_>>(),
                "n = {n}"
            );
        }
    }

    #[test]
    fn a_long_list_is_cut_into_one_chunk_per_core() {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let items = vec![0u8; MIN_ITEMS_PER_THREAD * 8];
        let chunks = map_chunks(&items, <[u8]>::len);
        assert_eq!(chunks.len(), cores.min(8));
        assert_eq!(chunks.iter().sum::<usize>(), items.len());
    }
}
