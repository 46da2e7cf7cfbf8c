//! Two independent pieces of work at once: on a second thread where the target has threads
//! (the CLI: both cores are free once both files are read), one after the other in wasm (each
//! browser worker is one thread).

/// `(a(), b())`, with `b` on a scoped thread of its own where there are threads.
pub(crate) fn both<A, B>(a: impl FnOnce() -> A, b: impl FnOnce() -> B + Send) -> (A, B)
where
    B: Send,
{
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::thread::scope(|scope| {
            let b = scope.spawn(b);
            let a = a();
            (a, b.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
        })
    }
    #[cfg(target_arch = "wasm32")]
    {
        (a(), b())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_both_results_in_order() {
        let data = [1, 2, 3];
        let (sum, len) = both(|| data.iter().sum::<i32>(), || data.len());
        assert_eq!((sum, len), (6, 3));
    }

    #[test]
    #[should_panic(expected = "b failed")]
    fn a_panic_in_b_reaches_the_caller() {
        let _ = both(|| 1, || -> i32 { panic!("b failed") });
    }
}
