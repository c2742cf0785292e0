//! A short-lived in-process cache for the anonymous public page and feeds, so that anonymous
//! traffic costs at most one database read per page every [`PUBLIC_CACHE_SECONDS`] and cannot
//! take the connections staff need. A miss is filled by one request at a time (the others wait
//! for it and then read the cache): anonymous load uses one database connection at most.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a public answer is served from memory; the page states it.
pub const PUBLIC_CACHE_SECONDS: u64 = 60;

/// Distinct answers kept (pages × feeds); beyond it the expired ones are dropped, then all.
const ENTRIES_MAX: usize = 1_000;

/// A cached answer: its content type and body.
#[derive(Clone)]
pub struct Cached {
    pub content_type: &'static str,
    pub body: Arc<str>,
}

pub struct PublicCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, Cached)>>,
    fill: tokio::sync::Mutex<()>,
}

impl Default for PublicCache {
    fn default() -> Self {
        PublicCache::new(Duration::from_secs(PUBLIC_CACHE_SECONDS))
    }
}

impl PublicCache {
    pub fn new(ttl: Duration) -> PublicCache {
        PublicCache { ttl, entries: Mutex::new(HashMap::new()), fill: tokio::sync::Mutex::new(()) }
    }

    fn fresh(&self, key: &str) -> Option<Cached> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(key).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, cached)| cached.clone())
    }

    /// The cached answer for `key`, or the one `fill` computes (then kept for the TTL).
    pub async fn get_or_fill<E, F, Fut>(&self, key: &str, fill: F) -> Result<Cached, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Cached, E>>,
    {
        if let Some(cached) = self.fresh(key) {
            return Ok(cached);
        }
        let _filling = self.fill.lock().await;
        if let Some(cached) = self.fresh(key) {
            return Ok(cached);
        }
        let cached = fill().await?;
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= ENTRIES_MAX {
            let ttl = self.ttl;
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
            if entries.len() >= ENTRIES_MAX {
                entries.clear();
            }
        }
        entries.insert(key.to_string(), (Instant::now(), cached.clone()));
        Ok(cached)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(text: &str) -> Result<Cached, ()> {
        Ok(Cached { content_type: "text/plain", body: Arc::from(text) })
    }

    #[tokio::test]
    async fn an_answer_is_kept_for_its_ttl_then_computed_again() {
        let cache = PublicCache::new(Duration::from_millis(200));
        let first = cache.get_or_fill("a", || async { answer("one") }).await.unwrap();
        let again = cache.get_or_fill("a", || async { answer("two") }).await.unwrap();
        assert_eq!((&*first.body, &*again.body), ("one", "one"));
        let other = cache.get_or_fill("b", || async { answer("three") }).await.unwrap();
        assert_eq!(&*other.body, "three");
        tokio::time::sleep(Duration::from_millis(250)).await;
        let later = cache.get_or_fill("a", || async { answer("four") }).await.unwrap();
        assert_eq!(&*later.body, "four");
    }

    #[tokio::test]
    async fn a_failure_is_not_kept() {
        let cache = PublicCache::default();
        assert!(cache.get_or_fill("a", || async { Err::<Cached, ()>(()) }).await.is_err());
        assert_eq!(&*cache.get_or_fill("a", || async { answer("ok") }).await.unwrap().body, "ok");
    }
}
